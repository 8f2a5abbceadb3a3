"""Models parse every JSON example of the reference and tolerate what MAX may add."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maxhack.max import models as m

EXAMPLES: dict[str, Any] = json.loads(
    Path(__file__).with_name("reference_examples.json").read_text(encoding="utf-8")
)

UPDATE_CLASS_BY_EXAMPLE: dict[str, type[Any]] = {
    "message_created": m.MessageCreatedUpdate,
    "message_callback": m.MessageCallbackUpdate,
    "bot_started": m.BotStartedUpdate,
    "bot_stopped": m.BotStoppedUpdate,
    "bot_added": m.BotAddedUpdate,
    "bot_removed": m.BotRemovedUpdate,
    "user_added": m.UserAddedUpdate,
    "user_removed": m.UserRemovedUpdate,
    "chat_title_changed": m.ChatTitleChangedUpdate,
    "message_edited": m.MessageEditedUpdate,
    "message_removed": m.MessageRemovedUpdate,
    "dialog_cleared": m.DialogClearedUpdate,
    "dialog_removed": m.DialogRemovedUpdate,
    "dialog_muted": m.DialogMutedUpdate,
    "dialog_unmuted": m.DialogUnmutedUpdate,
    "bot_admin_permissions_changed": m.BotAdminPermissionsChangedUpdate,
}

ATTACHMENT_CLASS_BY_EXAMPLE: dict[str, type[Any]] = {
    "image": m.ImageAttachment,
    "video": m.VideoAttachment,
    "audio": m.AudioAttachment,
    "file": m.FileAttachment,
    "sticker": m.StickerAttachment,
    "contact": m.ContactAttachment,
    "location": m.LocationAttachment,
    "share": m.ShareAttachment,
    "inline_keyboard": m.InlineKeyboardAttachment,
}


def test_every_modelled_update_type_has_an_example() -> None:
    assert set(UPDATE_CLASS_BY_EXAMPLE) == set(EXAMPLES["updates"]) == set(m.UPDATE_CLASSES)


@pytest.mark.parametrize("name", sorted(UPDATE_CLASS_BY_EXAMPLE))
def test_update_example_parses_to_its_class(name: str) -> None:
    raw = EXAMPLES["updates"][name]
    update = m.parse_update(raw)
    assert isinstance(update, UPDATE_CLASS_BY_EXAMPLE[name])
    assert type(update).__name__ == UPDATE_CLASS_BY_EXAMPLE[name].__name__
    assert update.update_type == name
    assert update.timestamp == raw["timestamp"]


@pytest.mark.parametrize("name", sorted(UPDATE_CLASS_BY_EXAMPLE))
def test_update_round_trips_through_the_wire_form(name: str) -> None:
    update = m.parse_update(EXAMPLES["updates"][name])
    assert m.parse_update(update.to_json_dict()) == update


def test_message_callback_fields() -> None:
    update = m.parse_update(EXAMPLES["updates"]["message_callback"])
    assert isinstance(update, m.MessageCallbackUpdate)
    assert update.callback.callback_id.startswith("f9LHodD0")
    assert update.callback.payload == "picture"
    assert update.callback.user.user_id == 123456789
    assert update.message is not None
    assert update.message.recipient.user_id == 123456789
    keyboard = update.message.body.keyboard
    assert keyboard is not None
    button = keyboard.buttons[0][0]
    assert isinstance(button, m.CallbackButton)
    assert (button.text, button.payload) == ("Картинка", "picture")
    assert m.user_of(update) == update.callback.user


def test_bot_started_fields_and_undocumented_extras() -> None:
    update = m.parse_update(EXAMPLES["updates"]["bot_started"])
    assert isinstance(update, m.BotStartedUpdate)
    assert (update.chat_id, update.payload, update.user_locale) == (182182182, "ref_abc123", "ru")
    assert update.user.display_name == "John Doe"
    assert "user_id" not in update.to_json_dict()  # the undocumented top-level field is dropped


def test_message_created_fields() -> None:
    update = m.parse_update(EXAMPLES["updates"]["message_created"])
    assert isinstance(update, m.MessageCreatedUpdate)
    assert update.message.text == "/start"
    assert update.message.mid == "mid.ffffbdb48e6c3775019d496b34394b84"
    assert update.message.body.seq == 116327994376978687
    assert update.message.chat_id == 182182182
    assert update.message.sender is not None and update.message.sender.last_name == "Doe"


def test_negative_group_chat_ids_and_nullable_fields() -> None:
    added = m.parse_update(EXAMPLES["updates"]["user_added"])
    removed = m.parse_update(EXAMPLES["updates"]["user_removed"])
    assert isinstance(added, m.UserAddedUpdate) and isinstance(removed, m.UserRemovedUpdate)
    assert added.chat_id == -70000000000005
    assert added.inviter_id is None
    assert removed.admin_id == 123456789
    muted = m.parse_update(EXAMPLES["updates"]["dialog_muted"])
    assert isinstance(muted, m.DialogMutedUpdate) and muted.muted_until == 1775112004510


def test_full_message_example() -> None:
    message = m.Message.model_validate(EXAMPLES["message"])
    assert message.link is not None and message.link.type == "reply"
    assert message.link.message.text == "earlier"
    assert message.body.markup == [m.MarkupElement(type="strong", from_=0, length=12)]
    assert message.body.to_json_dict()["markup"][0]["from"] == 0
    assert message.stat == m.MessageStat(views=10)
    assert message.body.attachments == []


@pytest.mark.parametrize("name", sorted(ATTACHMENT_CLASS_BY_EXAMPLE))
def test_attachment_example_parses_to_its_class(name: str) -> None:
    body = m.MessageBody.model_validate(
        {"mid": "mid.1", "attachments": [EXAMPLES["attachments"][name]]}
    )
    assert body.attachments is not None
    assert type(body.attachments[0]) is ATTACHMENT_CLASS_BY_EXAMPLE[name]


def test_contact_and_location_details() -> None:
    attachments = EXAMPLES["attachments"]
    body = m.MessageBody.model_validate(
        {"mid": "mid.1", "attachments": [attachments["contact"], attachments["location"]]}
    )
    contact, location = body.attachments or []
    assert isinstance(contact, m.ContactAttachment)
    assert contact.payload.vcf_phone == "79990000000"
    assert contact.payload.vcf_name == "Имя Фамилия"
    assert contact.payload.hash == "abc123"
    assert contact.payload.max_info is not None and contact.payload.max_info.user_id == 123456789
    assert isinstance(location, m.LocationAttachment)
    assert (location.latitude, location.longitude) == (55.7558, 37.6173)
    assert body.attachments_of(m.LocationAttachment) == [location]


def test_file_attachment_details() -> None:
    body = m.MessageBody.model_validate(
        {"mid": "mid.1", "attachments": [EXAMPLES["attachments"]["file"]]}
    )
    (attachment,) = body.attachments or []
    assert isinstance(attachment, m.FileAttachment)
    assert (attachment.filename, attachment.size) == ("x.ics", 1234)
    assert attachment.payload.token == "file-token"


def test_unknown_update_type_is_kept_not_raised() -> None:
    raw = {"update_type": "comment_created", "timestamp": 5, "comment": {"id": 1}}
    update = m.parse_update(raw)
    assert isinstance(update, m.UnknownUpdate)
    assert update.update_type == "comment_created"
    assert update.parse_error is None
    assert update.to_json_dict() == raw


def test_malformed_known_update_falls_back_with_the_reason() -> None:
    update = m.parse_update({"update_type": "bot_started", "timestamp": 5, "chat_id": "x"})
    assert isinstance(update, m.UnknownUpdate)
    assert update.update_type == "bot_started"
    assert update.parse_error is not None and "chat_id" in update.parse_error


def test_malformed_envelope_still_parses() -> None:
    update = m.parse_update({"update_type": 7, "timestamp": "soon", "extra": True})
    assert isinstance(update, m.UnknownUpdate)
    assert update.timestamp is None
    assert update.parse_error is not None


def test_parse_updates_tolerates_non_objects() -> None:
    updates = m.parse_updates([EXAMPLES["updates"]["bot_stopped"], "garbage"])
    assert isinstance(updates[0], m.BotStoppedUpdate)
    assert isinstance(updates[1], m.UnknownUpdate)


def test_unknown_and_malformed_attachments_are_kept() -> None:
    raw_unknown = {"type": "poll", "payload": {"question": "?"}}
    raw_bad_location = {"type": "location", "latitude": "north"}
    body = m.MessageBody.model_validate(
        {"mid": "mid.1", "attachments": [raw_unknown, raw_bad_location]}
    )
    unknown, bad = body.attachments or []
    assert isinstance(unknown, m.UnknownAttachment) and unknown.type == "poll"
    assert unknown.to_json_dict() == raw_unknown
    assert isinstance(bad, m.UnknownAttachment) and bad.type == "location"


def test_received_keyboard_with_unknown_button_becomes_unknown_attachment() -> None:
    raw = {"type": "inline_keyboard", "payload": {"buttons": [[{"type": "chat", "text": "x"}]]}}
    body = m.MessageBody.model_validate({"mid": "mid.1", "attachments": [raw]})
    assert isinstance((body.attachments or [])[0], m.UnknownAttachment)


def test_unknown_fields_are_ignored_everywhere() -> None:
    raw = dict(EXAMPLES["updates"]["message_created"])
    raw["brand_new_field"] = {"nested": True}
    raw["message"] = {**raw["message"], "reactions": [1, 2]}
    update = m.parse_update(raw)
    assert isinstance(update, m.MessageCreatedUpdate)
    assert "brand_new_field" not in update.to_json_dict()


def test_update_list_parses_leniently() -> None:
    data = {
        "updates": [EXAMPLES["updates"]["bot_started"], {"update_type": "future_thing"}],
        "marker": None,
    }
    result = m.UpdateList.model_validate(data)
    assert isinstance(result.updates[0], m.BotStartedUpdate)
    assert isinstance(result.updates[1], m.UnknownUpdate)
    assert result.marker is None
    assert m.UpdateList.model_validate(EXAMPLES["update_list"]).marker == 25493970


def test_response_examples_parse() -> None:
    bot = m.BotInfo.model_validate(EXAMPLES["bot_info"])
    assert bot.username == "test-bot"
    assert bot.commands == [m.BotCommand(name="start", description="Главное меню")]
    sent = m.SendMessageResult.model_validate(EXAMPLES["send_message_result"])
    assert sent.message.text == "Привет"
    assert m.SimpleQueryResult.model_validate(EXAMPLES["simple_result"]).success is True
    subs = m.GetSubscriptionsResult.model_validate(EXAMPLES["subscriptions"]).subscriptions
    assert subs[0].url == "https://bot.example/hook"
    assert m.UploadEndpoint.model_validate(EXAMPLES["upload_endpoint"]).token is None
    assert m.UploadedFileInfo.model_validate(EXAMPLES["uploaded_file"]).token == "file-token"
    error = m.ErrorBody.model_validate(EXAMPLES["error_invalid_token"])
    assert (error.code, error.message) == ("verify.token", "Invalid access_token")


def test_new_message_body_wire_form_omits_none_but_keeps_empty_list() -> None:
    keep = m.NewMessageBody(text="new text")
    drop = m.NewMessageBody(text="new text", attachments=[])
    assert keep.to_json_dict() == {"text": "new text"}
    assert drop.to_json_dict() == {"text": "new text", "attachments": []}


def test_new_message_body_with_keyboard_and_file() -> None:
    keyboard = m.Keyboard(buttons=[[m.CallbackButton(text="Да", payload="yes")]])
    body = m.NewMessageBody.with_keyboard("Вопрос", keyboard, format="markdown")
    assert body.to_json_dict() == {
        "text": "Вопрос",
        "format": "markdown",
        "attachments": [
            {
                "type": "inline_keyboard",
                "payload": {"buttons": [[{"text": "Да", "type": "callback", "payload": "yes"}]]},
            }
        ],
    }
    file_body = m.NewMessageBody(attachments=[m.FileAttachmentRequest.from_token("tok")])
    assert file_body.to_json_dict() == {
        "attachments": [{"type": "file", "payload": {"token": "tok"}}]
    }


def test_request_shapes_validate() -> None:
    with pytest.raises(ValueError, match="4000"):
        m.NewMessageBody(text="x" * 4001)
    assert m.NewMessageBody(text="x" * 4000).text is not None
    with pytest.raises(ValueError, match="exactly one"):
        m.ImageRequestPayload(url="https://a", token="t")
    location = m.LocationAttachmentRequest(latitude=1.5, longitude=2.5)
    assert location.to_json_dict() == {"type": "location", "latitude": 1.5, "longitude": 2.5}
    with pytest.raises(ValueError):
        m.SubscriptionRequestBody(url="https://a", secret="bad secret!")
    assert m.SubscriptionRequestBody(url="https://a", secret="ok_secret-1").secret == "ok_secret-1"
    answer = m.CallbackAnswer(notification="Готово")
    assert answer.to_json_dict() == {"notification": "Готово"}
    parsed = m.NewMessageBody.model_validate(
        {"text": "t", "attachments": [{"type": "share", "payload": {"url": "https://x"}}]}
    )
    assert isinstance((parsed.attachments or [])[0], m.ShareAttachmentRequest)
