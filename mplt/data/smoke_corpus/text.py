"""String helpers, written for mplt's smoke profile (not taken from any benchmark)."""


def count_vowels(text):
    """Count the lowercase vowels a, e, i, o and u in text."""
    count = 0
    for c in text:
        if c in "aeiou":
            count += 1
    return count


def is_palindrome(word):
    """Tell whether word reads the same forwards and backwards."""
    i = 0
    j = len(word) - 1
    while i < j:
        if word[i] != word[j]:
            return False
        i += 1
        j -= 1
    return True


def repeat_string(text, times):
    """Join times copies of text, separated by single dashes."""
    parts = []
    for _ in range(times):
        parts.append(text)
    return "-".join(parts)


def count_upper(text):
    """Count the uppercase ASCII letters of text."""
    count = 0
    for c in text:
        if "A" <= c <= "Z":
            count += 1
    return count


def hamming(a, b):
    """Number of positions at which two equally long strings differ."""
    distance = 0
    for x, y in zip(a, b):
        if x != y:
            distance += 1
    return distance


def initials(name):
    """First letter of each space-separated word of name, in upper case."""
    letters = [part[0].upper() for part in name.split()]
    return "".join(letters)


def to_text(value):
    """Render a number or a string as text, quoting strings."""
    if isinstance(value, str):
        return '"' + value + '"'
    return str(value)


def greet_french(name):
    """Say hello in French: "Ça va" is added after the name."""
    greeting = "Bonjour " + name
    return greeting + ", ça va ?"


def shout(text):
    """Upper-case text and add an exclamation mark — the dash is not ASCII."""
    loud = text.upper()
    return loud + "!"


def parse_flag(text):
    """Read a yes/no flag from text."""
    # TODO: accept "y" and "n" as well
    lowered = text.strip().lower()
    return lowered == "yes"


def strip_digits(text):
    """Remove the decimal digits from text and keep every other character."""
    # TODO: make this faster for long strings
    kept = [c for c in text if not c.isdigit()]
    return "".join(kept)


def no_docstring(text):
    words = text.split()
    return len(words)


def lower_words(text):
    """Lower-case each word of text and join them with single spaces."""
    def lower_one(word):
        """The nested helper is not a top-level function."""
        return word.lower()
    return " ".join(lower_one(w) for w in text.split())
