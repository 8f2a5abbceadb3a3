"""Models of the tag routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from maxhack.domain.models import Member, Tag
from maxhack.web.schemas.common import ApiModel, Id, Printable, Strip

__all__ = [
    "TagAssign",
    "TagCreate",
    "TagPatch",
    "TagResponse",
    "TagUserItem",
    "TagUsersResponse",
    "TagsResponse",
]

TagName = Annotated[str, Field(min_length=1, max_length=32), Strip, Printable]
TagDescription = Annotated[str, Field(max_length=128), Strip, Printable]
Color = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        pattern=r"^(#[0-9A-Fa-f]{3,8}|[a-z]+)$",
        description="A colour name the WebApp knows (red, green, blue, yellow, pink, orange, "
        "purple, cyan) or #rgb/#rrggbb.",
    ),
    Strip,
]


class TagCreate(ApiModel):
    name: TagName
    description: TagDescription | None = None
    color: Color


class TagPatch(ApiModel):
    """Missing fields stay unchanged; ``description: null`` clears it."""

    name: TagName | None = None
    description: TagDescription | None = None
    color: Color | None = None


class TagResponse(ApiModel):
    id: Id
    group_id: Id
    name: str
    description: str | None
    color: str

    @classmethod
    def of(cls, tag: Tag) -> TagResponse:
        return cls(
            id=tag.id,
            group_id=tag.group_id,
            name=tag.name,
            description=tag.description,
            color=tag.color,
        )


class TagsResponse(RootModel[list[TagResponse]]):
    """A plain JSON array of tags."""


class TagAssign(ApiModel):
    user_id: Id
    tag_id: Id


class TagUserItem(ApiModel):
    user_id: Id
    max_id: int
    first_name: str
    last_name: str | None
    phone: str | None
    role_id: Literal[1, 2, 3]

    @classmethod
    def of(cls, member: Member) -> TagUserItem:
        return cls(
            user_id=member.membership.user_id,
            max_id=member.max_id,
            first_name=member.first_name,
            last_name=member.last_name,
            phone=member.phone,
            role_id=int(member.membership.role),  # type: ignore[arg-type]
        )


class TagUsersResponse(RootModel[list[TagUserItem]]):
    """A plain JSON array of tag holders."""
