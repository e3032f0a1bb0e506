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
