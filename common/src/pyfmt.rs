//! Printing values the way Python's `print` does.
//!
//! The notes' snippets print Python lists and a float (`[1, 4, 9, 16, 25]`, `3.1415`). Rust's `{}`
//! is close but not equal: it prints `0.0` as `0` and `1e16` as `10000000000000000`, where Python
//! prints `0.0` and `1e+16`; `{:?}` gets `0.0` right but prints `1e16`. And where two shortest
//! spellings are equally near (`897140657352369.25` lies halfway between `…369.2` and `…369.3`),
//! Rust picks the upper one and Python the even one. So the programs wrap what they print in
//! [`Py`] to keep their stdout byte-for-byte what Python prints; a test checks it against
//! `python3` on 200 000 random floats.
//!
//! ```
//! use common::pyfmt::Py;
//! assert_eq!(Py(&[1, 4, 9]).to_string(), "[1, 4, 9]");
//! assert_eq!(format!("{} {}", Py(3.1415), Py(&vec![0, -1])), "3.1415 [0, -1]");
//! assert_eq!(Py(0.0).to_string(), "0.0");
//! ```

use std::fmt::{self, Display, Formatter};

/// Formats the wrapped value as Python's `str()` would.
#[derive(Clone, Copy, Debug)]
pub struct Py<T>(pub T);

/// A value with a Python spelling: integers, floats, and lists of those.
pub trait PyDisplay {
    /// Writes the value as Python's `str()` would.
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result;
}

impl<T: PyDisplay> Display for Py<T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.0.py_fmt(f)
    }
}

impl<T: PyDisplay + ?Sized> PyDisplay for &T {
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        (**self).py_fmt(f)
    }
}

macro_rules! py_integers {
    ($($t:ty),*) => {$(
        impl PyDisplay for $t {
            fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                Display::fmt(self, f)
            }
        }
    )*};
}
py_integers!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

/// `True` and `False`, as Python spells them.
impl PyDisplay for bool {
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if *self { "True" } else { "False" })
    }
}

impl PyDisplay for f64 {
    /// Python's `repr(float)`: the shortest digits that round-trip (the nearest such, ties to
    /// even), always with a `.0` or an exponent, and scientific notation below `1e-4` and from
    /// `1e16` on (`1e-05`, `1e+16`).
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let x = *self;
        if x.is_nan() {
            return f.write_str("nan");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
        }
        // `{:e}` gives the shortest round-trip digits; how many there are is all we take from it.
        let shortest = format!("{x:e}");
        let digits = shortest
            .split('e')
            .next()
            .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
        // `{:.N e}` rounds the exact value to that many digits, ties to even, as CPython does.
        let sci = format!("{x:.prec$e}", prec = digits - 1);
        let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
        let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
        let (sign, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => ("-", m),
            None => ("", mantissa),
        };
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        f.write_str(sign)?;
        if (-4..16).contains(&exp) {
            let point = exp + 1; // Digits before the decimal point.
            if point <= 0 {
                write!(f, "0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
            } else if digits.len() <= point as usize {
                write!(f, "{digits}{}.0", "0".repeat(point as usize - digits.len()))
            } else {
                let (whole, fraction) = digits.split_at(point as usize);
                write!(f, "{whole}.{fraction}")
            }
        } else {
            let exp_sign = if exp < 0 { '-' } else { '+' };
            write!(f, "{mantissa}e{exp_sign}{:02}", exp.abs())
        }
    }
}

impl PyDisplay for f32 {
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f64::from(*self).py_fmt(f)
    }
}

impl<T: PyDisplay> PyDisplay for [T] {
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            item.py_fmt(f)?;
        }
        f.write_str("]")
    }
}

impl<T: PyDisplay, const N: usize> PyDisplay for [T; N] {
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.as_slice().py_fmt(f)
    }
}

impl<T: PyDisplay> PyDisplay for Vec<T> {
    fn py_fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.as_slice().py_fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Py;

    #[test]
    #[expect(
        clippy::approx_constant,
        reason = "3.1415 is the notes' value, not an attempt at π"
    )]
    fn floats_match_python_repr() {
        // Each pair is (value, what CPython 3 prints for it).
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (3.1415, "3.1415"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456789012345.0, "123456789012345.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (1e300, "1e+300"),
            // Exactly …369.25, halfway between …369.2 and …369.3: Python rounds to even.
            (897_140_657_352_369.0 + 0.25, "897140657352369.2"),
            (-897_140_657_352_369.0 - 0.25, "-897140657352369.2"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (0.001234, "0.001234"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (value, python) in cases {
            assert_eq!(Py(value).to_string(), python, "formatting {value:?}");
        }
    }

    #[test]
    fn lists_match_python_str() {
        assert_eq!(Py(&[1, 4, 9, 16, 25]).to_string(), "[1, 4, 9, 16, 25]");
        assert_eq!(Py(Vec::<i64>::new()).to_string(), "[]");
        assert_eq!(Py(vec![0, -1, -2]).to_string(), "[0, -1, -2]");
        assert_eq!(Py(vec![vec![1.0], vec![]]).to_string(), "[[1.0], []]");
    }
}
