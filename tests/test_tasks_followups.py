"""Follow-up actions on finished jobs, and each family's answer to bad input and unknown ids."""

from __future__ import annotations

import httpx
import pytest

from test_tasks_lifecycle import image_size

NOW = {"X-Mock-Task-Polls": "1"}
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJR"
       "U5ErkJggg==")


def mj_done(http: httpx.Client, path: str, body: dict) -> dict:
    """Submit an MJ task that finishes on its first poll; its DTO."""
    submitted = http.post(path, json=body, headers=NOW).json()
    assert submitted["code"] == 1, submitted
    return http.get(f"/mj/task/{submitted['result']}/fetch").json()


def test_mj_change_simple_change_and_seed(http: httpx.Client) -> None:
    grid = mj_done(http, "/mj/submit/imagine", {"prompt": "a lighthouse --ar 2:3"})
    variation = mj_done(http, "/mj/submit/change", {"action": "VARIATION", "index": 3, "taskId": grid["id"]})
    assert variation["action"] == "VARIATION" and variation["status"] == "SUCCESS"
    assert [b["label"] for b in variation["buttons"]][:4] == ["U1", "U2", "U3", "U4"]
    reroll = mj_done(http, "/mj/submit/simple-change", {"content": f"{grid['id']} R"})
    assert reroll["action"] == "REROLL"
    width, height = image_size(http, reroll["imageUrl"])
    assert abs(width / height - 2 / 3) < 0.01
    seed = http.get(f"/mj/task/{grid['id']}/image-seed").json()
    assert seed["code"] == 1 and seed["result"].isdigit()


def test_mj_blend_describe_shorten(http: httpx.Client) -> None:
    blend = mj_done(http, "/mj/submit/blend", {"base64Array": [PNG, PNG], "dimensions": "LANDSCAPE"})
    width, height = image_size(http, blend["imageUrl"], "PNG")
    assert blend["action"] == "BLEND" and abs(width / height - 3 / 2) < 0.01
    described = mj_done(http, "/mj/submit/describe", {"base64": PNG})
    prompts = described["properties"]["finalPrompt"].split("\n\n")
    assert described["status"] == "SUCCESS" and len(prompts) == 4 and described["prompt"] == described["properties"]["finalPrompt"]
    short = mj_done(http, "/mj/submit/shorten", {"prompt": "a highly detailed ultra realistic photo of an old lighthouse"})
    assert short["status"] == "SUCCESS" and len(short["properties"]["finalPrompt"].split("\n\n")) == 5


def test_mj_vary_region_waits_for_modal(http: httpx.Client) -> None:
    grid = mj_done(http, "/mj/submit/imagine", {"prompt": "a cat"})
    upscaled = mj_done(http, "/mj/submit/action", {"taskId": grid["id"], "customId": grid["buttons"][0]["customId"]})
    region = next(b for b in upscaled["buttons"] if b["label"] == "Vary (Region)")
    job = http.post("/mj/submit/action", json={"taskId": upscaled["id"], "customId": region["customId"]}, headers=NOW).json()
    assert http.get(f"/mj/task/{job['result']}/fetch").json()["status"] == "MODAL"
    assert http.post("/mj/submit/modal", json={"taskId": job["result"], "prompt": "a red scarf", "maskBase64": PNG}).json()["code"] == 1
    polls = [http.get(f"/mj/task/{job['result']}/fetch").json() for _ in range(12)]
    assert polls[-1]["status"] == "SUCCESS" and polls[-1]["prompt"] == "a red scarf"


def test_mj_upload_serves_images(http: httpx.Client) -> None:
    answer = http.post("/mj/submit/upload-discord-images", json={"base64Array": [PNG, PNG]}).json()
    assert answer["code"] == 1 and len(answer["result"]) == 2
    assert image_size(http, answer["result"][0], "PNG")


@pytest.mark.parametrize("body, description", [
    ({"action": "UPSCALE", "taskId": "1763800000123456"}, "index"),
    ({"action": "UPSCALE", "index": 1}, "taskId"),
])
def test_mj_change_validation(http: httpx.Client, body: dict, description: str) -> None:
    response = http.post("/mj/submit/change", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == 4 and description in error["description"] and error["result"] is None


def test_mj_follow_ups_need_a_known_finished_task(http: httpx.Client) -> None:
    unknown = http.post("/mj/submit/change", json={"action": "UPSCALE", "index": 1, "taskId": "999"})
    assert unknown.status_code == 404 and unknown.json()["description"] == "task_no_found"
    running = http.post("/mj/submit/imagine", json={"prompt": "slow"}, headers={"X-Mock-Task-Polls": "50"}).json()
    early = http.post("/mj/submit/change", json={"action": "REROLL", "taskId": running["result"]})
    assert early.status_code == 400 and early.json()["description"] == "task_status_not_success"
    grid = mj_done(http, "/mj/submit/imagine", {"prompt": "x"})
    bad = http.post("/mj/submit/action", json={"taskId": grid["id"], "customId": "MJ::JOB::upsample::1::nope"})
    assert bad.status_code == 400 and bad.json()["code"] == 4


def test_luma_extend_needs_a_completed_generation(http: httpx.Client) -> None:
    assert http.post("/luma/generations/nope/extend", json={}).json() == {"detail": "Generation not found"}
    slow = http.post("/luma/generations", json={"user_prompt": "x"}, headers={"X-Mock-Task-Polls": "50"}).json()
    response = http.post(f"/luma/generations/{slow['id']}/extend", json={})
    assert response.status_code == 400 and "not completed" in response.json()["detail"]


def test_suno_continuation_validation(http: httpx.Client) -> None:
    missing = http.post("/suno/submit/music", json={"prompt": "x", "task_id": "t", "continue_at": 10})
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_request"
    assert "continue_clip_id" in missing.json()["message"]
    unknown = http.post("/suno/submit/music", json={"prompt": "x", "continue_clip_id": "nope", "continue_at": 1})
    assert unknown.json() == {"code": "invalid_request", "message": "continue_clip_id_not_found", "data": None}
    empty = http.post("/suno/submit/music", json={"tags": "pop"})
    assert empty.status_code == 400 and empty.json()["message"] == "prompt_empty"


def test_runway_cancel(http: httpx.Client) -> None:
    created = http.post("/runwayml/v1/image_to_video", json={"promptImage": PNG},
                        headers={"X-Mock-Task-Polls": "50"}).json()
    assert http.delete(f"/runwayml/v1/tasks/{created['id']}").status_code == 204
    assert http.get(f"/runwayml/v1/tasks/{created['id']}").json()["status"] == "CANCELLED"


@pytest.mark.parametrize("path, body, expected", [
    ("/kling/v1/videos/text2video", {"duration": "5"}, {"code": 1201}),
    ("/kling/v1/images/kolors-virtual-try-on", {"human_image": "x"}, {"code": 1201}),
    ("/luma/generations", {}, {"detail": [{"loc": ["body", "user_prompt"], "msg": "field required",
                                           "type": "value_error.missing"}]}),
    ("/pika/generate", {}, {"code": "invalid_request", "data": None}),
    ("/runwayml/v1/image_to_video", {"promptText": "x"}, {}),
    ("/hailuo/v1/video_generation", {"model": "T2V-01"}, {}),
    ("/v1/video/generations", {"model": "veo3"}, {}),
    ("/suno/submit/lyrics", {}, {"code": "invalid_request"}),
])
def test_submit_validation_in_family_shape(http: httpx.Client, path: str, body: dict, expected: dict) -> None:
    response = http.post(path, json=body)
    assert response.status_code == 400
    error = response.json()
    for key, value in expected.items():
        assert error[key] == value
    assert "hailuo" not in path or error["base_resp"]["status_code"] == 2013
    assert "runway" not in path or error["issues"][0]["path"] == ["promptImage"]
    assert "video/generations" not in path or error["error"]["param"] == "prompt"


@pytest.mark.parametrize("path, expected", [
    ("/mj/task/404/fetch", {"code": 4, "description": "task_no_found"}),
    ("/kling/v1/videos/image2video/nope", {"code": 1203}),
    ("/luma/generations/nope", {"detail": "Generation not found"}),
    ("/pika/feed/nope", {"code": "task_not_exist"}),
    ("/runwayml/v1/tasks/nope", {"error": "Task not found"}),
    ("/suno/fetch/nope", {"code": "task_not_exist"}),
    ("/hailuo/v1/query/video_generation?task_id=1", {}),
    ("/v1/videos/video_nope", {}),
])
def test_unknown_ids_get_the_family_not_found(http: httpx.Client, path: str, expected: dict) -> None:
    response = http.get(path)
    assert response.status_code == 404
    for key, value in expected.items():
        assert response.json()[key] == value


def test_bad_clock_controls_are_a_400(http: httpx.Client) -> None:
    response = http.post("/kling/v1/images/generations", json={"prompt": "x"}, headers={"X-Mock-Task-Polls": "many"})
    assert response.status_code == 400 and response.json()["code"] == 1201
