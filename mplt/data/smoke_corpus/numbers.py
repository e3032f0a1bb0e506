"""Small numeric helpers, written for mplt's smoke profile (not taken from any benchmark)."""
import math

SCALE = 3


def factorial(n):
    """Multiply together all whole numbers from 1 up to n; factorial(0) is 1."""
    result = 1
    for k in range(2, n + 1):
        result = result * k
    return result


def gcd(a, b):
    """Greatest common divisor of two non-negative integers, by Euclid's algorithm."""
    while b != 0:
        a, b = b, a % b
    return a


def power_of_two(n):
    """Compute 2 to the power n for a non-negative n by repeated doubling."""
    result = 1
    for _ in range(n):
        result = result * 2
    return result


def sign_word(n):
    """Describe the sign of n with one word: negative, zero or positive."""
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"


def collatz_steps(n):
    """Count the steps of the 3n + 1 process needed to reach 1 from a positive n."""
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def celsius_to_fahrenheit(celsius):
    """Convert a temperature from degrees Celsius to degrees Fahrenheit."""
    fahrenheit = celsius * 9 / 5
    fahrenheit = fahrenheit + 32
    return fahrenheit


def classify_age(age):
    """Name the stage of life for an age in years."""
    if age < 0:
        raise ValueError("age must not be negative")
    if age < 13:
        return "child"
    if age < 20:
        return "teenager"
    if age < 65:
        return "adult"
    return "senior"


def scaled(x):
    """Multiply x by the module's scale factor and add one."""
    y = x * SCALE
    return y + 1


def circle_area(radius):
    """Area of a circle, using the math module imported at the top of the file."""
    area = math.pi * radius * radius
    return round(area, 2)


def hypotenuse(a, b):
    """Length of the long side of a right triangle with legs a and b."""
    import math
    squared = a * a + b * b
    return math.sqrt(squared)


def identity(x):
    """Give x back unchanged."""
    return x


def digits_of(n):
    '''Split a non-negative number into its decimal digits, most significant first.'''
    digits = []
    while n > 0:
        digits.append(n % 10)
        n = n // 10
    return digits[::-1]


def cube(n):
    "Return n to the third power."
    value = n * n
    return value * n
