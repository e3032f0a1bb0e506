"""List helpers, written for mplt's smoke profile (not taken from any benchmark)."""


def count_negatives(xs):
    """Count the numbers in the list xs that are below zero."""
    count = 0
    for x in xs:
        if x < 0:
            count += 1
    return count


def sum_evens(xs):
    """Add up the even numbers of the list xs."""
    total = 0
    for x in xs:
        if x % 2 == 0:
            total += x
    return total


def largest(xs):
    """Find the biggest number in the non-empty list xs without calling max."""
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best


def triple_all(xs):
    """Make a new list holding three times each number of xs."""
    result = []
    for x in xs:
        result.append(3 * x)
    return result


def index_of(xs, target):
    """Position of the first occurrence of target in xs, or -1 when it is absent."""
    for i in range(len(xs)):
        if xs[i] == target:
            return i
    return -1


def clip_negatives(xs):
    """Replace every negative number of xs by zero, keeping the other numbers."""
    result = []
    for x in xs:
        if x < 0:
            result.append(0)
        else:
            result.append(x)
    return result


def second_largest(xs):
    """The second biggest distinct value of a list with at least two distinct values."""
    values = sorted(set(xs))
    return values[-2]


def running_total(xs):
    """Prefix sums of xs: element i of the result is xs[0] + ... + xs[i]."""
    totals = []
    current = 0
    for x in xs:
        current += x
        totals.append(current)
    return totals


def min_max_gap(xs):
    """Difference between the largest and the smallest number of a non-empty list."""
    low = min(xs)
    high = max(xs)
    return high - low


def count_above_zero(xs):
    """How many entries of xs are positive (this body is also a mini-benchmark solution)."""
    count = 0
    for x in xs:
        if x > 0:
            count += 1
    return count


def _halve(x):
    return x // 2


def halve_all(xs):
    """Halve every number of xs with the module's helper."""
    out = [_halve(x) for x in xs]
    return out


def print_all(xs):
    """Print each element of xs on its own line."""
    for x in xs:
        print(x)


def first_or_stop(xs, stop):
    """Return early when stop is set, without a value."""
    if stop:
        return
    print(xs[0])


def gcd(a, b):
    """Greatest common divisor of two non-negative integers, by Euclid's algorithm."""
    while b != 0:
        a, b = b, a % b
    return a


class Stack:
    """A tiny stack; its methods are not top-level functions."""

    def __init__(self):
        self.items = []

    def size(self):
        """Number of items on the stack."""
        count = len(self.items)
        return count
