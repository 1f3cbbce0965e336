"""The official openai SDK's video helpers against the Veo routes (`/v1/videos`)."""

from __future__ import annotations

import pytest

openai = pytest.importorskip("openai")

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.skipif(not hasattr(openai.OpenAI(api_key="x", base_url="http://127.0.0.1:9"), "videos"),
                                reason="this openai SDK has no videos API (added in 2.x)")]


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)


def test_create_poll_download(client) -> None:
    video = client.videos.create(model="veo3", prompt="a paper plane", seconds="4", size="640x360",
                                 extra_headers={"X-Mock-Task-Polls": "2"})
    assert video.status == "queued" and video.object == "video" and video.size == "640x360"
    done = client.videos.poll(video.id, poll_interval_ms=10)
    assert done.status == "completed" and done.progress == 100 and done.completed_at
    content = client.videos.download_content(done.id).read()
    assert content[4:8] == b"ftyp" and len(content) > 1000


def test_create_and_poll_failure(client) -> None:
    video = client.videos.create_and_poll(model="veo3", prompt="blocked", poll_interval_ms=10,
                                          extra_headers={"X-Mock-Task-Polls": "1",
                                                         "X-Mock-Task-Fail": "at=0; reason=blocked by policy"})
    assert video.status == "failed" and video.error.message == "blocked by policy"


def test_unknown_video_is_not_found(client) -> None:
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("video_unknown")
    with pytest.raises(openai.BadRequestError):
        client.videos.create(model="veo3", prompt="x", seconds="4", size="huge")
