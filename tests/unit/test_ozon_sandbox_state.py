"""The emulator's state without HTTP: history pages, cursors, faults, seeds and attribute ids."""

from __future__ import annotations

import pytest

from bot.errors import SeedError
from bot.ozon import attributes
from bot.sandbox.seed import parse_seed
from bot.sandbox.state import Fault, Refusal, SandboxState


def chat_with(state: SandboxState, count: int) -> list[int]:
    return [state.buyer_message("c", f"m{n}", client_id="1") for n in range(count)]


def test_backward_page_from_an_id_includes_it_and_goes_older() -> None:
    state = SandboxState()
    ids = chat_with(state, 5)
    chat = state.shops["1"].chat("c")
    page, more = chat.page(forward=False, start=ids[2], limit=2)
    assert ([m.message_id for m in page], more) == ([ids[2], ids[1]], True)


def test_forward_page_reaching_the_end_has_no_next() -> None:
    state = SandboxState()
    ids = chat_with(state, 3)
    page, more = state.shops["1"].chat("c").page(forward=True, start=ids[1], limit=5)
    assert ([m.message_id for m in page], more) == ([ids[1], ids[2]], False)


def test_chat_list_pages_newest_first_by_cursor() -> None:
    state = SandboxState()
    for name in ("a", "b", "c"):
        state.buyer_message(name, "x", client_id="1")
    shop = state.shops["1"]
    first, more = state.list_chats(shop, status="all", unread_only=False, after_seq=None, limit=2)
    rest, _ = state.list_chats(
        shop, status="all", unread_only=False, after_seq=first[-1].seq, limit=2
    )
    assert ([c.chat_id for c in first], more, [c.chat_id for c in rest]) == (
        ["c", "b"],
        True,
        ["a"],
    )


def test_fault_is_used_count_times_then_gone() -> None:
    state = SandboxState()
    state.add_fault("/v3/chat/list", Fault(kind="500", remaining=2))
    kinds = [state.take_fault("/v3/chat/list") for _ in range(3)]
    assert [k.kind if k else None for k in kinds] == ["500", "500", None]


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(Refusal):
        SandboxState().add_fault("/v3/chat/list", Fault(kind="meteor", remaining=1))


def test_unknown_chat_is_an_ozon_not_found() -> None:
    with pytest.raises(Refusal) as caught:
        SandboxState().shop_for_control("1").chat("nope")
    assert (caught.value.status, caught.value.code) == (404, 5)


def test_seed_takes_unquoted_numbers_as_strings() -> None:
    seed = parse_seed({"postings": [{"posting_number": "1-2-3", "sku": 1234567890}]})
    assert seed.postings[0].items[0].sku == "1234567890"


def test_seed_errors_name_the_field() -> None:
    with pytest.raises(SeedError, match=r"postings\.0\.posting_number"):
        parse_seed({"postings": [{"posting_number": "12345"}]})


def test_same_sku_seeded_twice_replaces_the_product() -> None:
    state = SandboxState()
    state.seed_from_scenario({"products": [{"sku": "1", "name": "old"}]}, client_id="1")
    state.seed_from_scenario({"products": [{"sku": "1", "name": "new"}]}, client_id="1")
    assert [p.name for p in state.shops["1"].products] == ["new"]


def test_attribute_table_maps_names_both_ways() -> None:
    entry = attributes.by_name("страна-изготовитель")
    assert entry is not None
    assert entry.id == 4389
    assert attributes.by_id(4389) is entry
    assert attributes.by_name("Цвет") == attributes.by_id(10096)
    assert attributes.by_name("Совместимость") is None
