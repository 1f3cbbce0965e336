"""Each task family end to end: submit, poll until done, download the asset and decode its bytes."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any

import av
import httpx
import pytest
from conftest import eventually
from PIL import Image

POLLS = {"X-Mock-Task-Polls": "3"}


def poll(fetch: Callable[[], httpx.Response], done: Callable[[dict], bool], limit: int = 20) -> list[dict]:
    """Fetch until `done`; the bodies seen, in order."""
    seen = []
    for _ in range(limit):
        response = fetch()
        assert response.status_code == 200, response.text
        seen.append(response.json())
        if done(seen[-1]):
            return seen
    raise AssertionError(f"not done after {limit} polls: {seen[-1]}")


def image_size(http: httpx.Client, url: str, fmt: str | None = None) -> tuple[int, int]:
    """Download an image and decode it."""
    response = http.get(url)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    if fmt:
        assert image.format == fmt
    return image.size


def top_boxes(data: bytes) -> list[str]:
    """The top-level ISO-BMFF box types of an MP4."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        assert size >= 8, f"bad box size at {offset}"
        boxes.append(kind.decode("latin-1"))
        offset += size
    assert offset == len(data), "boxes do not tile the file"
    return boxes


def video_info(http: httpx.Client, url: str) -> tuple[int, int, float]:
    """Download an MP4, check its boxes and decode it: width, height, seconds."""
    response = http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("video/mp4")
    boxes = top_boxes(response.content)
    assert boxes[0] == "ftyp" and "moov" in boxes and "mdat" in boxes
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.video[0]
        assert next(container.decode(stream), None) is not None
        return stream.codec_context.width, stream.codec_context.height, float(container.duration or 0) / 1e6


def audio_seconds(http: httpx.Client, url: str) -> float:
    """Download an MP3, check its first frame header and decode it."""
    response = http.get(url)
    assert response.status_code == 200, response.text
    data = response.content
    start = 0
    if data[:3] == b"ID3":
        start = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])
    assert data[start] == 0xFF and data[start + 1] & 0xE0 == 0xE0, "no MPEG audio frame sync"
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name in ("mp3", "mp3float")
        assert sum(1 for _ in container.decode(stream)) > 0
        return float(container.duration or 0) / 1e6


def test_midjourney_imagine_then_upscale(http: httpx.Client) -> None:
    submitted = http.post("/mj/submit/imagine", headers=POLLS,
                          json={"prompt": "a red fox in the snow --ar 16:9 --v 6", "state": "s1"}).json()
    assert submitted["code"] == 1 and submitted["description"] == "Submit success"
    task_id = submitted["result"]
    seen = poll(lambda: http.get(f"/mj/task/{task_id}/fetch"), lambda t: t["status"] in ("SUCCESS", "FAILURE"))
    assert [t["status"] for t in seen] == ["IN_PROGRESS", "IN_PROGRESS", "SUCCESS"]
    assert [t["progress"] for t in seen][-1] == "100%"
    done = seen[-1]
    assert done["action"] == "IMAGINE" and done["state"] == "s1" and done["finishTime"] >= done["startTime"] > 0
    assert done["imageUrl"].startswith(http.base_url.scheme + "://")
    width, height = image_size(http, done["imageUrl"], "PNG")
    assert abs(width / height - 16 / 9) < 0.01
    labels = [b["label"] for b in done["buttons"]]
    assert labels[:4] == ["U1", "U2", "U3", "U4"] and "V4" in labels

    upscale = http.post("/mj/submit/action", headers={"X-Mock-Task-Polls": "1"},
                        json={"taskId": task_id, "customId": done["buttons"][1]["customId"]}).json()
    assert upscale["code"] == 1
    final = http.get(f"/mj/task/{upscale['result']}/fetch").json()
    assert final["status"] == "SUCCESS" and final["action"] == "UPSCALE"
    assert any(b["label"] == "Vary (Strong)" for b in final["buttons"])
    assert image_size(http, final["imageUrl"]) == (width, height)
    listed = http.post("/mj/task/list-by-condition", json={"ids": [task_id, "nope", upscale["result"]]}).json()
    assert [t["id"] for t in listed] == [task_id, upscale["result"]]


def test_kling_text2video(http: httpx.Client) -> None:
    submitted = http.post("/kling/v1/videos/text2video", headers=POLLS,
                          json={"prompt": "a paper boat", "duration": "5", "aspect_ratio": "9:16",
                                "external_task_id": "order-1"}).json()
    assert submitted["code"] == 0 and submitted["message"] == "SUCCEED"
    assert submitted["data"]["task_status"] == "submitted"
    task_id = submitted["data"]["task_id"]
    seen = poll(lambda: http.get(f"/kling/v1/videos/text2video/{task_id}"),
                lambda t: t["data"]["task_status"] in ("succeed", "failed"))
    assert [t["data"]["task_status"] for t in seen] == ["processing", "processing", "succeed"]
    data = seen[-1]["data"]
    assert data["task_info"] == {"external_task_id": "order-1"}
    video = data["task_result"]["videos"][0]
    assert video["duration"] == "5"
    width, height, seconds = video_info(http, video["url"])
    assert (width, height) == (720, 1280) and abs(seconds - 5) < 0.2
    assert http.get(f"/kling/v1/videos/image2video/{task_id}").json()["code"] == 1203


def test_kling_images(http: httpx.Client) -> None:
    submitted = http.post("/kling/v1/images/generations", headers={"X-Mock-Task-Polls": "1"},
                          json={"prompt": "a robot", "n": 2, "aspect_ratio": "4:3"}).json()
    done = http.get(f"/kling/v1/images/generations/{submitted['data']['task_id']}").json()["data"]
    assert done["task_status"] == "succeed"
    images = done["task_result"]["images"]
    assert [i["index"] for i in images] == [0, 1]
    width, height = image_size(http, images[1]["url"], "PNG")
    assert abs(width / height - 4 / 3) < 0.01


def test_luma_generate_then_extend(http: httpx.Client) -> None:
    created = http.post("/luma/generations", headers={"X-Mock-Task-Polls": "2"},
                        json={"user_prompt": "a balloon", "aspect_ratio": "1:1", "resolution": "540p"}).json()
    assert created["state"] == "pending" and created["video"] is None
    seen = poll(lambda: http.get(f"/luma/generations/{created['id']}"), lambda g: g["state"] == "completed")
    assert [g["state"] for g in seen] == ["processing", "completed"]
    generation = seen[-1]
    width, height, seconds = video_info(http, generation["video"]["url"])
    assert width == height == generation["video"]["width"] and abs(seconds - 5) < 0.2
    assert image_size(http, generation["thumbnail"]["url"], "JPEG") == (width, height)
    extended = http.post(f"/luma/generations/{created['id']}/extend", headers={"X-Mock-Task-Polls": "1"},
                         json={"user_prompt": "higher"}).json()
    assert extended["state"] == "pending" and extended["id"] != created["id"]
    done = http.get(f"/luma/generations/{extended['id']}").json()
    assert done["state"] == "completed"
    assert abs(video_info(http, done["video"]["url"])[2] - 10) < 0.2


def test_pika(http: httpx.Client) -> None:
    created = http.post("/pika/generate", headers=POLLS, json={"promptText": "a corgi surfing"}).json()
    seen = poll(lambda: http.get(f"/pika/feed/{created['id']}"), lambda f: f["videos"][0]["status"] == "finished")
    assert [f["videos"][0]["status"] for f in seen] == ["pending", "pending", "finished"]
    assert seen[0]["videos"][0]["progress"] < seen[1]["videos"][0]["progress"] < 100
    width, height, _ = video_info(http, seen[-1]["videos"][0]["resultUrl"])
    assert abs(width / height - 16 / 9) < 0.01


def test_runway(http: httpx.Client) -> None:
    created = http.post("/runwayml/v1/image_to_video", headers=POLLS,
                        json={"promptImage": "https://example.com/a.jpg", "ratio": "768:1280", "duration": 5}).json()
    seen = poll(lambda: http.get(f"/runwayml/v1/tasks/{created['id']}"), lambda t: t["status"] == "SUCCEEDED")
    assert [t["status"] for t in seen] == ["RUNNING", "RUNNING", "SUCCEEDED"]
    assert 0 <= seen[0]["progress"] < seen[1]["progress"] < 1
    assert video_info(http, seen[-1]["output"][0])[:2] == (768, 1280)
    assert http.delete(f"/runwayml/v1/tasks/{created['id']}").status_code == 204
    assert http.get(f"/runwayml/v1/tasks/{created['id']}").json() == {"error": "Task not found"}


def test_veo_unified_and_openai_videos(http: httpx.Client) -> None:
    created = http.post("/v1/video/generations", headers=POLLS,
                        json={"model": "veo3", "prompt": "a skyline", "duration": 4, "aspect_ratio": "16:9"}).json()
    assert created["status"] == "queued"
    seen = poll(lambda: http.get(f"/v1/video/generations/{created['task_id']}"), lambda t: t["status"] == "completed")
    assert [t["status"] for t in seen] == ["in_progress", "in_progress", "completed"]
    assert video_info(http, seen[-1]["url"])[:2] == (1280, 720)

    video = http.post("/v1/videos", headers={"X-Mock-Task-Polls": "1"},
                      json={"model": "veo3", "prompt": "a paper airplane", "seconds": "4", "size": "640x360"}).json()
    assert video["object"] == "video" and video["status"] == "queued" and video["id"].startswith("video_")
    assert http.get(f"/v1/videos/{video['id']}").json()["status"] == "completed"
    assert video_info(http, f"/v1/videos/{video['id']}/content")[:2] == (640, 360)


def test_hailuo(http: httpx.Client) -> None:
    created = http.post("/hailuo/v1/video_generation", headers=POLLS,
                        json={"model": "MiniMax-Hailuo-02", "prompt": "a kite", "resolution": "512P"}).json()
    assert created["base_resp"] == {"status_code": 0, "status_msg": "success"}
    seen = poll(lambda: http.get("/hailuo/v1/query/video_generation", params={"task_id": created["task_id"]}),
                lambda t: t["status"] == "Success")
    assert [t["status"] for t in seen] == ["Processing", "Processing", "Success"]
    record = http.get("/hailuo/v1/files/retrieve", params={"file_id": seen[-1]["file_id"]}).json()
    width, height, seconds = video_info(http, record["file"]["download_url"])
    assert (width, height) == (seen[-1]["video_width"], seen[-1]["video_height"]) and height == 512


def test_suno_music_then_continuation(http: httpx.Client) -> None:
    submitted = http.post("/suno/submit/music", headers=POLLS,
                          json={"prompt": "[Verse]\nopen road", "tags": "synth-pop", "title": "Open Road",
                                "mv": "chirp-v4"}).json()
    assert submitted["code"] == "success" and isinstance(submitted["data"], str)
    seen = poll(lambda: http.get(f"/suno/fetch/{submitted['data']}"), lambda t: t["data"]["status"] == "SUCCESS")
    assert [t["data"]["data"][0]["status"] for t in seen] == ["streaming", "streaming", "complete"]
    clips = seen[-1]["data"]["data"]
    assert len(clips) == 2 and clips[0]["title"] == "Open Road" and clips[0]["major_model_version"] == "v4"
    seconds = audio_seconds(http, clips[0]["audio_url"])
    assert abs(seconds - clips[0]["metadata"]["duration"]) < 0.5
    assert image_size(http, clips[0]["image_url"], "JPEG")

    more = http.post("/suno/submit/music", headers={"X-Mock-Task-Polls": "1"},
                     json={"prompt": "[Bridge]", "continue_clip_id": clips[1]["id"], "continue_at": 20,
                           "task_id": submitted["data"]}).json()
    cont = http.get(f"/suno/fetch/{more['data']}").json()["data"]
    assert cont["status"] == "SUCCESS" and cont["data"][0]["metadata"]["continue_clip_id"] == clips[1]["id"]


def test_suno_lyrics(http: httpx.Client) -> None:
    submitted = http.post("/suno/submit/lyrics", headers={"X-Mock-Task-Polls": "1"},
                          json={"prompt": "a sea shanty about debugging"}).json()
    task = http.get(f"/suno/fetch/{submitted['data']}").json()["data"]
    assert task["action"] == "LYRICS" and task["status"] == "SUCCESS"
    assert task["data"]["status"] == "complete" and "[Chorus]" in task["data"]["text"]
    batch = http.post("/suno/fetch", json={"ids": [submitted["data"], "unknown"], "action": "LYRICS"}).json()
    assert [t["task_id"] for t in batch["data"]] == [submitted["data"]]


def test_time_based_clock_moves_on_its_own(http: httpx.Client) -> None:
    submitted = http.post("/kling/v1/images/generations", headers={"X-Mock-Task-Duration-Ms": "400"},
                          json={"prompt": "a clock"}).json()
    task_id = submitted["data"]["task_id"]
    first = http.get(f"/kling/v1/images/generations/{task_id}").json()["data"]["task_status"]
    assert first in ("submitted", "processing")
    assert eventually(lambda: http.get(f"/kling/v1/images/generations/{task_id}").json()["data"]["task_status"]
                      == "succeed")


def test_task_speed_zero_finishes_at_once_and_ids_are_deterministic(make_server: Callable[..., Any]) -> None:
    seen = []
    for _ in range(2):
        server = make_server(task_speed=0, seed=7)
        with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk"}) as client:
            ids = [client.post("/mj/submit/imagine", json={"prompt": "fast"}).json()["result"] for _ in range(2)]
            assert ids[0] != ids[1]
            task = client.get(f"/mj/task/{ids[0]}/fetch").json()
            assert task["status"] == "SUCCESS"
            song = client.post("/suno/submit/music", json={"gpt_description_prompt": "a song"}).json()["data"]
            clips = client.get(f"/suno/fetch/{song}").json()["data"]["data"]
            seen.append((ids, [b["customId"] for b in task["buttons"]], [c["audio_url"].split("/_mock")[1] for c in clips]))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("polls", [1])
def test_failure_marker(http: httpx.Client, polls: int) -> None:
    task_id = http.post("/mj/submit/imagine", json={"prompt": "a fox [mock:fail=0]"},
                        headers={"X-Mock-Task-Polls": str(polls)}).json()["result"]
    task = http.get(f"/mj/task/{task_id}/fetch").json()
    assert task["status"] == "FAILURE" and task["failReason"] and task["prompt"] == "a fox"
    assert task["imageUrl"] == "" and task["buttons"] == []
