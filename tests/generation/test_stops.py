import pytest

from mplt.generation import truncate_at_stop_tokens


def test_cut_at_earliest_stop_and_drop_it():
    text = "  return 1\nend\n\nlocal x\n--"
    assert truncate_at_stop_tokens(text, ["\n--", "\nlocal", "\n\n"]) == "  return 1\nend"


def test_no_stop_keeps_everything():
    assert truncate_at_stop_tokens("abc", ["\nend", ""]) == "abc"
    assert truncate_at_stop_tokens("abc", []) == "abc"


def test_stop_at_start_gives_empty():
    assert truncate_at_stop_tokens("\n(define x", ["\n(define", "\n;"]) == ""


def test_earliest_wins_regardless_of_list_order():
    assert truncate_at_stop_tokens("a;b#c", ["#", ";"]) == "a"


@pytest.mark.parametrize("stop", ["\n", "\nend", "x = ", "é"])
def test_the_mask_stops_at_the_same_step_as_decoding_every_row(tiny_loaded, stop):
    """`could_end` only skips rows whose newest token cannot end a stop: the first done step is
    the one where the stop string is complete, with the mask and without."""
    import torch
    from mplt.generation.stops import could_end_mask, make_stop_criterion, token_texts
    tokenizer = tiny_loaded.tokenizer
    prompt = tokenizer("local y" + stop)["input_ids"]        # a stop in the prompt must not count
    generated = tokenizer("a = 1" + stop + "b = 2")["input_ids"]
    mask = could_end_mask(token_texts(tokenizer), [stop])
    first_done = {}
    for name, could_end in (("mask", mask), ("every row", None)):
        criterion = make_stop_criterion(tokenizer, len(prompt), [(stop,), ()], [100, 100], could_end)
        for step in range(1, len(generated) + 1):
            ids = torch.tensor([prompt + generated[:step]] * 2)
            done = criterion(ids, None)
            assert not done[1]                                  # no stops, budget left
            if done[0]:
                first_done[name] = step
                break
    text_steps = [tokenizer.decode(generated[:k]) for k in range(1, len(generated) + 1)]
    expected = next(k + 1 for k, text in enumerate(text_steps) if stop in text)
    assert first_done == {"mask": expected, "every row": expected}


def test_budget_reached_on_the_device(tiny_loaded):
    import torch
    from mplt.generation.stops import make_stop_criterion
    criterion = make_stop_criterion(tiny_loaded.tokenizer, 2, [(), ("zzz",)], [1, 3])
    assert criterion(torch.tensor([[5, 6, 7], [5, 6, 7]]), None).tolist() == [True, False]
    assert criterion(torch.tensor([[5, 6, 7, 8, 9], [5, 6, 7, 8, 9]]), None).tolist() == [True, True]
