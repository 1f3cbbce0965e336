"""Handlers named by the spec's `x-mock-handler` (`module:function`), one module per family."""
