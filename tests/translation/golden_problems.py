"""Hand-written problems (not from any benchmark) with tricky literals, shared by the golden tests."""
from mplt.translation import PythonProblem

DESCRIBE = PythonProblem(
    name="golden_1_describe", entry_point="describe",
    prompt='''from typing import Dict, List, Optional, Tuple


def describe(xs: List[float], label: str, table: Dict[str, int], pair: Tuple[int, str],
             nested: List[List[int]]) -> Optional[str]:
    """ Describe a list of numbers with a dictionary and a tuple.
    Return None when the list is empty, otherwise a string.
    >>> describe([1.5, -0.5], 'a', {'k': 1}, (1, 'x'), [[1], []])
    'a:1'
    """
''',
    tests=("assert candidate([1e-05, -0.5, 2], 'say \"hi\"\\n', {'a': -1, 'b': 2}, (-3, '$x\\\\y'), "
           "[[-1, 2], []]) == 'it\\'s'",
           "assert candidate([], '', {}, (0, ''), []) == None"),
    canonical_solution="    if not xs:\n        return None\n\n    return label + ':' + str(len(xs))\n")

SPLIT = PythonProblem(
    name="golden_2_split", entry_point="split",
    prompt='''from typing import List


def split(words: List[str], flags: List[bool], n: int) -> List[str]:
    """Keep the words whose flag is True; a list of strings.

    >>> split(['a', 'b'], [True, False], -1)
    ['a']
    """
''',
    tests=("assert split(['a', 'b'], [True, False], -1) == ['a']",
           "assert candidate([], [], 0) == []",
           "assert candidate(['x'], [False], 3) == ['x', 'y']",
           "for i in range(3): assert candidate([], [], i) == []"))

COUNT = PythonProblem(
    name="golden_3_count", entry_point="count",
    prompt='''def count(s):
    """Count the letters of s into a dictionary."""
''',
    tests=("assert candidate('ab') == {'a': 1, 'b': 1}", "assert candidate('') == {}",
           "assert abs(candidate('a') - 0.5) < 1e-6"))

# Control, non-printable and non-ASCII characters, every quote and escape-significant character
# of the five targets, extreme floats; a docstring with `$`, a backslash and quotes.
ESCAPES = PythonProblem(
    name="golden_4_escapes", entry_point="f",
    prompt='def f(s: str, xs: list) -> str:\n    """Doc with $x and \\\\d and "quote" and (x)."""\n',
    tests=("assert f('\\x07\\t\\u200b \\u00e9\\\\\"\\'$(x)#{y}%s', [1.5, -0.0, 1e300]) == 'ok\\r'",
           "assert f('', [1e-300]) == '\\x1b[0m'"))
