//! Python's `json.dumps` default output, byte for byte: `", "` between items, `": "` after keys,
//! non-ASCII escaped as `\uXXXX` (surrogate pairs beyond the BMP). The AWS CLI writes its cache
//! files this way and hashes registration keys in this form.

use serde_json::Value;

/// Appends `s` as a Python-`json.dumps` string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `value` in Python's default `json.dumps` form. Object keys keep the map's order
/// (sorted, as `sort_keys=True` would give, with serde_json's default map).
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map.iter().map(|(k, v)| (k.as_str(), v))),
    }
}

/// Appends an object with members in the given order.
pub fn write_object<'a>(out: &mut String, members: impl IntoIterator<Item = (&'a str, &'a Value)>) {
    out.push('{');
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(out, key);
        out.push_str(": ");
        write_value(out, value);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_escaping() {
        let mut out = String::new();
        write_str(&mut out, "a\"b\\c\n\u{1}é😀\u{7f}");
        // python3 -c 'import json; print(json.dumps("a\"b\\c\n\x01é😀\x7f"))'
        assert_eq!(out, r#""a\"b\\c\n\u0001\u00e9\ud83d\ude00\u007f""#);
    }

    #[test]
    fn separators_are_pythons() {
        let v: Value = serde_json::from_str(r#"{"b":[1,"x",null,true],"a":{"k":false}}"#).unwrap();
        let mut out = String::new();
        write_value(&mut out, &v);
        assert_eq!(out, r#"{"a": {"k": false}, "b": [1, "x", null, true]}"#);
    }
}
