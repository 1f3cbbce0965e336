"""Name and hint vocabulary: plausible values by property name, places from the user's words."""

from __future__ import annotations

import functools
import re
from typing import Any


@functools.lru_cache(maxsize=2048)
def norm_name(name: str) -> str:
    """`finalAnswer`, `Final-Answer`, `final_answer` -> `final_answer`."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()


_LATER = frozenset({"end", "ends", "until", "to", "out", "return", "arrival", "due", "deadline", "finish",
                    "expires", "expiry", "expiration", "destination", "dest", "stop", "last"})


def later(norm: str) -> int:
    """1 for names of the later end of a pair (end_time, destination, check_out), else 0."""
    return 1 if norm and not _LATER.isdisjoint(norm.split("_")) else 0


def singular(name: str) -> str:
    """`cities` -> `city`: the name an array's items go by."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if re.search(r"(ss|x|ch|sh)es$", name):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss") and len(name) > 2:
        return name[:-1]
    return name


def by_token(table: dict, norm: str) -> Any:
    """The entry for the name's last or first word (`billing_city` -> `city`), skipping vague words."""
    tokens = norm.split("_")
    for token in (tokens[-1], tokens[0]):
        if token in table and token not in _WEAK_TOKENS:
            return table[token]
    return None


def number_suffix(tokens: list[str]) -> Any:
    """Counts and ids by shape (`item_count`, `num_rooms`, `order_id`)."""
    if len(tokens) > 1 and (tokens[-1] == "count" or tokens[0] in ("num", "number", "n")):
        return NUMBERS["count"]
    if len(tokens) > 1 and tokens[-1] == "id":
        return NUMBERS["id"]
    return None


_STOP_PLACES = {
    "I", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Celsius", "Fahrenheit", "English", "JSON", "The", "A", "An", "Me", "My", "Python",
    "JavaScript", "Markdown", "French", "Spanish", "German", "Chinese", "Japanese", "YAML", "CSV",
}


@functools.cache
def _place_re() -> re.Pattern:
    """Capitalised words after a place preposition (compiled on first use, not at import)."""
    return re.compile(
        r"\b(?:in|for|at|near|around|to|from)\s+"
        r"((?:[A-Z][\w'.\-]*)(?:(?:\s+|,\s*)(?:[A-Z][\w'.\-]*|of|de|la|upon|am))*)"
    )


@functools.lru_cache(maxsize=256)
def places(hint: str) -> tuple[str, ...]:
    """Place names the user mentioned (`weather in Paris, France` -> `Paris, France`), in order."""
    found = []
    for m in _place_re().finditer(hint):
        words = m.group(1).strip(" ,.-'")
        while words.split(" ")[-1] in ("of", "de", "la", "upon", "am"):
            words = words.rsplit(" ", 1)[0]
        if words and words.split(",")[0].split(" ")[0] not in _STOP_PLACES:
            found.append(words.rstrip(".,"))
    return tuple(dict.fromkeys(found))


PLACE = ("San Francisco, CA", "Paris, France", "Tokyo, Japan")
CITY = ("San Francisco", "Paris", "Tokyo")
QUERY = ("example search query",)
EMAILS = ("ada@example.com", "grace@example.com", "alan@example.com")
FORMAT_DATETIME = ("2024-01-15T10:30:00Z",)
FORMAT_DATE = ("2024-01-15",)
FORMAT_URL = ("https://example.com",)
GENERIC = ("example", "sample", "demo", "test", "placeholder")
_WEAK_TOKENS = {"type", "value", "data", "info", "text", "id", "code", "key", "number", "time", "name",
                "state", "total", "size", "model", "format", "level", "order", "n", "k", "q"}

# Formats with one fixed sample; an empty value means the generator builds it (dates, uuids...).
FORMATS = {
    "date-time": "", "date": "", "time": "", "duration": "", "email": "", "idn-email": "", "uri": "", "url": "",
    "iri": "", "uri-reference": "", "iri-reference": "", "multi-host-uri": "", "uuid": "", "uuid4": "",
    "ipv4": "", "ipv6": "", "ipvanyaddress": "", "ipvanyinterface": "", "ipvanynetwork": "", "hostname": "",
    "idn-hostname": "",
    "uri-template": "https://example.com/items/{id}",
    "json-pointer": "/items/0",
    "relative-json-pointer": "0/items",
    "regex": "^[a-z]+$",
    "byte": "aGVsbG8gd29ybGQ=",
    "base64": "aGVsbG8gd29ybGQ=",
    "base64url": "aGVsbG8gd29ybGQ=",
    "binary": "hello world",
    "password": "correct-horse-battery-staple",
    "path": "/tmp/example.txt",
    "phone": "+14155550100",
}

_SENTENCES = (
    "A short example description.",
    "Another brief example description.",
    "A third concise example description.",
)
_EXPLANATIONS = (
    "First, restate the problem in simpler terms.",
    "Next, apply the relevant rule to each part.",
    "Finally, combine the partial results and check them.",
)
_ANSWERS = (
    "Based on the information provided, the answer is 42.",
    "The result is 42, as shown by the steps above.",
    "After checking each step, the answer is 42.",
)
_PEOPLE = ("Ada Lovelace", "Grace Hopper", "Alan Turing")
PERSONS = {"person", "people", "user", "users", "author", "customer", "owner", "contact", "member", "employee",
           "student", "patient", "client", "recipient", "sender", "assignee", "attendee", "guest",
           "passenger", "speaker", "participant", "profile", "account", "friend", "manager", "teacher"}


def _table(groups: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """One entry per name from `(names...): values` groups."""
    return {name: value for names, value in groups.items() for name in names}


# Property name -> plausible strings (picked by seed).
STRINGS: dict[str, Any] = _table({
    ("location", "place", "destination", "origin", "where"): PLACE,
    ("city", "town", "city_name"): CITY,
    ("address", "street_address", "full_address"): ("1 Market St, San Francisco, CA 94105",),
    ("street",): ("1 Market St",),
    ("state", "province", "region"): ("CA", "NY", "WA"),
    ("country", "country_code"): ("US", "FR", "JP"),
    ("country_name",): ("United States", "France", "Japan"),
    ("zip", "zipcode", "zip_code", "postal_code", "postcode"): ("94105", "75001", "10001"),
    ("unit", "units", "temperature_unit", "unit_system"): ("celsius",),
    ("name", "full_name", "author", "customer", "customer_name", "person", "contact", "owner", "user",
     "display_name", "author_name", "user_display_name", "person_name", "contact_name", "owner_name",
     "recipient", "sender", "assignee"): _PEOPLE,
    ("first_name", "given_name", "firstname"): ("Ada", "Grace", "Alan"),
    ("last_name", "family_name", "surname", "lastname"): ("Lovelace", "Hopper", "Turing"),
    ("username", "user_name", "handle", "login", "nickname", "screen_name"): ("ada", "grace", "alan"),
    ("email", "mail", "email_address", "e_mail", "to", "cc", "bcc", "from_email", "to_email", "attendee",
     "reply_to", "recipient_email", "sender_email"): EMAILS,
    ("url", "link", "uri", "href", "website", "homepage", "endpoint", "image", "avatar", "source_url",
     "image_url", "web_url", "callback_url", "webhook_url"): FORMAT_URL,
    ("date", "day", "birthday", "birth_date", "dob", "deadline", "due_date", "start_date", "end_date",
     "check_in", "check_out", "departure_date", "return_date"): FORMAT_DATE,
    ("datetime", "date_time", "timestamp", "created", "updated", "start", "end", "start_time",
     "end_time", "when", "due"): FORMAT_DATETIME,
    ("time",): ("10:30", "14:00", "09:15"),
    ("query", "q", "search", "search_query", "search_term", "search_terms", "prompt", "question", "input",
     "text", "message", "content", "instruction", "instructions", "request", "user_query",
     "user_input", "term", "keywords", "input_text"): QUERY,
    ("description", "summary", "reason", "reasoning", "rationale", "details", "detail", "comment",
     "note", "notes", "body", "thought", "thoughts", "analysis", "context", "bio", "feedback", "caption",
     "overview", "justification", "message_body", "review", "observation"): _SENTENCES,
    ("explanation", "step", "thinking", "plan"): _EXPLANATIONS,
    ("output", "outputs", "step_output", "intermediate_result"): (
        "Example output.", "Another example output.", "A third example output."),
    ("answer", "final_answer", "result", "response", "conclusion", "solution", "reply",
     "final_result", "final_output", "verdict", "recommendation"): _ANSWERS,
    ("title", "subject", "headline", "heading"): ("Getting started", "Weekly update", "Release notes"),
    ("language", "lang", "language_code"): ("en", "fr", "de"),
    ("locale",): ("en-US", "fr-FR", "de-DE"),
    ("currency", "currency_code"): ("USD", "EUR", "JPY"),
    ("timezone", "tz", "time_zone"): ("America/Los_Angeles", "Europe/Paris", "Asia/Tokyo"),
    ("phone", "phone_number", "telephone", "mobile", "tel"): ("+14155550100", "+14155550101"),
    ("color", "colour"): ("blue", "green", "red"),
    ("status",): ("active", "pending", "completed"),
    ("type", "kind", "category", "genre"): ("general", "standard", "other"),
    ("code",): ("ABC123", "XYZ789"),
    ("sku",): ("SKU-1001", "SKU-1002"),
    ("symbol", "ticker", "stock_symbol"): ("AAPL", "MSFT", "GOOG"),
    ("exchange", "market"): ("NASDAQ", "NYSE"),
    ("file", "filename", "file_name"): ("report.pdf", "notes.txt", "data.csv"),
    ("path", "file_path", "filepath"): ("/tmp/report.pdf", "/tmp/notes.txt"),
    ("directory", "dir", "folder"): ("/tmp", "/home/user"),
    ("mime_type", "content_type", "media_type", "mimetype"): ("application/json", "text/plain"),
    ("company", "organization", "organisation", "org", "company_name", "employer"): ("Example Inc.",),
    ("tag", "label", "keyword", "topic", "hashtag"): ("example", "demo", "mock"),
    ("sentiment",): ("positive", "neutral", "negative"),
    ("priority", "severity"): ("high", "medium", "low"),
    ("role",): ("user", "assistant"),
    ("model",): ("mock-model",),
    ("version",): ("1.0.0", "1.1.0"),
    ("password", "passphrase"): ("correct-horse-battery-staple",),
    ("token", "api_key", "secret", "access_token"): ("tok_example_123",),
    ("ip", "ip_address"): ("192.0.2.1", "192.0.2.2"),
    ("host", "hostname", "domain"): ("example.com", "example.org"),
    ("method", "http_method"): ("GET", "POST"),
    ("format",): ("json", "text"),
    ("sql",): ("SELECT 1",),
    ("expression", "formula", "equation"): ("2 + 2", "3 * 4"),
    ("word",): ("hello", "world"),
    ("weather", "condition", "conditions", "forecast"): ("Sunny", "Partly cloudy", "Light rain"),
    ("direction", "wind_direction"): ("NW", "SE"),
    ("department", "team"): ("Engineering", "Research"),
    ("job_title", "occupation", "profession"): ("Software engineer", "Data scientist"),
    ("item", "product", "product_name", "item_name"): ("Example product", "Sample product"),
    ("uuid", "guid"): ("123e4567-e89b-42d3-a456-426614174000",),
    ("hash", "checksum", "sha", "sha256"): ("9f86d081884c7d659a2feaa0c55ad015",),
    ("slug",): ("example-item", "sample-item"),
    ("emoji",): ("🙂",),
})

# Property name -> plausible numbers (picked by seed, then fitted to the bounds).
NUMBERS: dict[str, Any] = _table({
    ("latitude", "lat"): (37.7749, 48.8566, 35.6762),
    ("longitude", "lon", "lng", "long"): (-122.4194, 2.3522, 139.6503),
    ("temperature", "temp", "temp_c", "temperature_c", "feels_like", "degrees"): (21.5, 18.0, 24.5),
    ("humidity",): (65, 58, 72),
    ("wind_speed", "windspeed", "wind"): (12.5, 8.0),
    ("precipitation", "rain"): (0.2, 0.0),
    ("pressure",): (1013.25,),
    ("price", "amount", "cost", "total", "subtotal", "balance", "salary", "fee", "revenue",
     "unit_price", "total_price", "budget", "tax", "discount"): (19.99, 42.5, 7.25),
    ("rating", "stars"): (4.5, 4.0, 3.5),
    ("score", "confidence", "probability", "certainty", "similarity", "relevance"): (0.87, 0.92, 0.75),
    ("percent", "percentage", "pct"): (42, 15, 80),
    ("age",): (36, 29, 41),
    ("year",): (2024,),
    ("month",): (1,),
    ("day",): (15,),
    ("hour", "hours"): (10,),
    ("minute", "minutes"): (30,),
    ("second", "seconds"): (45,),
    ("count", "quantity", "qty", "num", "number", "n", "total_count", "num_results", "guests",
     "people", "adults", "children", "passengers", "days", "nights", "num_days", "items_count"): (3,),
    ("limit", "max_results", "top_k", "top_n", "page_size", "per_page", "k", "size", "max_items"): (5,),
    ("page", "page_number", "level", "step", "step_number", "rank", "position", "priority", "version"): (1,),
    ("offset", "skip", "index", "start_index"): (0,),
    ("width", "height"): (512,),
    ("duration", "timeout", "delay", "interval"): (30,),
    ("distance", "radius"): (4.2, 10.0),
    ("weight",): (70.5,),
    ("id",): (1,),
    ("max_tokens",): (256,),
    ("timestamp", "created", "created_at", "updated_at"): (1705314600,),
})
