//! The service's own OpenAPI document as a test oracle: every status an operation answers
//! must be declared for it, with the declared media type, and every JSON body must validate
//! against the declared schema; every request body the document accepts must not be refused
//! as malformed.
//!
//! The validator implements the JSON Schema keywords the document uses, and fails on any
//! other: a document that outgrows it cannot pass unchecked.

use serde_json::Value;

use super::oneshot::Reply;

/// Keywords that only annotate: they never make an instance invalid.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "format",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentMediaType",
    "contentEncoding",
];

/// The document, as JSON.
pub struct Document(Value);

impl Document {
    pub fn of_service() -> Self {
        Self::from_json(
            serde_json::to_value(probity_service::openapi()).expect("the document is JSON"),
        )
    }

    /// A document as served.
    pub fn from_json(document: Value) -> Self {
        Self(document)
    }

    /// Every `(method, path template)` the document lists, methods in lower case.
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.0["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .expect("a path item")
                    .keys()
                    .filter(|m| ["get", "post", "put", "delete", "patch"].contains(&m.as_str()))
                    .map(|m| (m.clone(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        let op = &self.0["paths"][template][method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "the document has no {method} {template}: every route must be documented"
        );
        op
    }

    /// The schema of an operation's JSON request body, if it takes one.
    pub fn request_schema(&self, method: &str, template: &str) -> Option<&Value> {
        let schema = &self.operation(method, template)["requestBody"]["content"]
            ["application/json"]["schema"];
        (!schema.is_null()).then_some(schema)
    }

    /// Whether `body` is a request body the operation's schema accepts.
    pub fn accepts_request(
        &self,
        method: &str,
        template: &str,
        body: &Value,
    ) -> Result<(), String> {
        let schema = self
            .request_schema(method, template)
            .unwrap_or_else(|| panic!("{method} {template} takes no JSON body"));
        self.validate(schema, body, "body")
    }

    /// Checks an answer of `method template` against what the document declares for it.
    pub fn check(&self, method: &str, template: &str, reply: &Reply) -> Result<(), String> {
        let what = format!("{method} {template} answered {}", reply.status.as_u16());
        let responses = &self.operation(method, template)["responses"];
        let declared = responses.get(reply.status.as_str()).ok_or_else(|| {
            format!(
                "{what}, which it does not declare (it declares {:?}): {}",
                responses.as_object().map(|r| r.keys().collect::<Vec<_>>()),
                reply.text()
            )
        })?;
        let declared = self.resolve(declared);
        let Some(content) = declared.get("content").and_then(Value::as_object) else {
            return if reply.body.is_empty() {
                Ok(())
            } else {
                Err(format!("{what} with a body, but declares none"))
            };
        };
        let essence = |t: &str| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        };
        let got = reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(essence)
            .ok_or_else(|| format!("{what} without a content type"))?;
        let media = content
            .iter()
            .find(|(t, _)| essence(t) == got)
            .map(|(_, m)| m)
            .ok_or_else(|| {
                format!(
                    "{what} as {got}, which it does not declare ({:?})",
                    content.keys().collect::<Vec<_>>()
                )
            })?;
        if got != "application/json" {
            return Ok(());
        }
        let body: Value = serde_json::from_slice(&reply.body).map_err(|e| {
            format!(
                "{what} with a body that is not JSON ({e}): {}",
                reply.text()
            )
        })?;
        match media.get("schema") {
            Some(schema) => self
                .validate(schema, &body, "body")
                .map_err(|e| format!("{what}: {e}")),
            None => Ok(()),
        }
    }

    /// `value`, or what it refers to if it is a reference.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => self.target(r),
            None => value,
        }
    }

    /// What a local reference (`#/components/…`) points at.
    pub fn target(&self, reference: &str) -> &Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local references: {reference}"));
        self.0
            .pointer(pointer)
            .unwrap_or_else(|| panic!("a dangling reference: {reference}"))
    }

    /// Validates `value` against `schema`; `at` names where `value` is, for messages.
    pub fn validate(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let schema = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return Err(format!("{at}: nothing is allowed here")),
            Value::Object(o) => o,
            other => panic!("not a schema: {other}"),
        };
        for (keyword, arg) in schema {
            match keyword.as_str() {
                "$ref" => self.validate(self.target(arg.as_str().expect("a reference")), value, at)?,
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        other => panic!("a bad type: {other}"),
                    };
                    if !types.iter().any(|t| is_type(value, t)) {
                        return Err(format!("{at}: {value} is not of type {types:?}"));
                    }
                }
                "properties" => {
                    if let Some(object) = value.as_object() {
                        for (name, property) in arg.as_object().expect("properties") {
                            if let Some(v) = object.get(name) {
                                self.validate(property, v, &format!("{at}.{name}"))?;
                            }
                        }
                    }
                }
                "required" => {
                    if let Some(object) = value.as_object() {
                        for name in arg.as_array().expect("required").iter() {
                            let name = name.as_str().expect("a name");
                            if !object.contains_key(name) {
                                return Err(format!("{at}: `{name}` is required"));
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(object) = value.as_object() {
                        let known = schema.get("properties").and_then(Value::as_object);
                        for (name, v) in object {
                            if !known.is_some_and(|k| k.contains_key(name)) {
                                self.validate(arg, v, &format!("{at}.{name}"))?;
                            }
                        }
                    }
                }
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (i, v) in items.iter().enumerate() {
                            self.validate(arg, v, &format!("{at}[{i}]"))?;
                        }
                    }
                }
                "allOf" | "anyOf" | "oneOf" => {
                    let verdicts: Vec<Result<(), String>> = arg
                        .as_array()
                        .expect("subschemas")
                        .iter()
                        .map(|s| self.validate(s, value, at))
                        .collect();
                    let passed = verdicts.iter().filter(|v| v.is_ok()).count();
                    let ok = match keyword.as_str() {
                        "allOf" => passed == verdicts.len(),
                        "anyOf" => passed > 0,
                        _ => passed == 1,
                    };
                    if !ok {
                        return Err(format!(
                            "{at}: {passed} of {} subschemas of {keyword} hold: {:?}",
                            verdicts.len(),
                            verdicts.into_iter().filter_map(Result::err).collect::<Vec<_>>()
                        ));
                    }
                }
                "enum" => {
                    if !arg.as_array().expect("values").contains(value) {
                        return Err(format!("{at}: {value} is not one of {arg}"));
                    }
                }
                "const" => {
                    if arg != value {
                        return Err(format!("{at}: {value} is not {arg}"));
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(v), Some(bound)) = (value.as_f64(), arg.as_f64()) {
                        let ok = if keyword == "minimum" { v >= bound } else { v <= bound };
                        if !ok {
                            return Err(format!("{at}: {value} is beyond its {keyword} {arg}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(text) = value.as_str() {
                        let len = text.chars().count() as u64;
                        let bound = arg.as_u64().expect("a length");
                        let ok = if keyword == "minLength" { len >= bound } else { len <= bound };
                        if !ok {
                            return Err(format!("{at}: {len} characters is beyond its {keyword} {bound}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(text) = value.as_str() {
                        let pattern = arg.as_str().expect("a pattern");
                        let re = regex::Regex::new(pattern)
                            .unwrap_or_else(|e| panic!("the pattern {pattern} is not valid: {e}"));
                        if !re.is_match(text) {
                            let shown: String = text.chars().take(80).collect();
                            return Err(format!("{at}: `{shown}` does not match {pattern}"));
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = value.as_array() {
                        let bound = arg.as_u64().expect("a count");
                        let n = items.len() as u64;
                        let ok = if keyword == "minItems" { n >= bound } else { n <= bound };
                        if !ok {
                            return Err(format!("{at}: {n} items is beyond its {keyword} {bound}"));
                        }
                    }
                }
                k if ANNOTATIONS.contains(&k) => {}
                other => panic!(
                    "the schema keyword `{other}` is not checked here: teach the validator before the document uses it"
                ),
            }
        }
        Ok(())
    }
}

fn is_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        other => panic!("an unknown type: {other}"),
    }
}
