//! What the model file's reader and writer share: JSON objects read as
//! objects only, and lists of numbers written in their shortest form.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::marker::PhantomData;

/// A part of the file that must be a JSON object: what to call it in a
/// message when something else stands there.
pub(crate) trait JsonObject {
    const EXPECTED: &'static str;
}

/// `T` read from a JSON object `{...}` only. (serde's derived structs also
/// accept the values of their fields as a list, in order, `[3, "relu", ...]`;
/// a model file names every field.)
pub(crate) struct Object<T>(pub(crate) T);

impl<'de, T: Deserialize<'de> + JsonObject> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OnlyObject<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de> + JsonObject> Visitor<'de> for OnlyObject<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(T::EXPECTED)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(OnlyObject(PhantomData))
            .map(Object)
    }
}

/// `[a, b, c]`, each number in the shortest form that reads back as the same
/// `f64` (`ryu`, as `serde_json` writes them).
pub(crate) fn number_list<'a>(values: impl Iterator<Item = &'a f64>) -> String {
    let items: Vec<String> = values
        .map(|v| serde_json::to_string(v).unwrap_or_else(|_| "null".into()))
        .collect();
    format!("[{}]", items.join(", "))
}
