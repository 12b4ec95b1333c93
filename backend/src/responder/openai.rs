//! An OpenAI-compatible chat-completions client (OpenAI, Ollama, vLLM, llama.cpp): one
//! streamed request with the `escalate` and `resolve` tools, read as server-sent events, or
//! as one JSON body when the server does not stream.

use super::{Action, Failure, Generated};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// One chat message of the request.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatTurn {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    /// Its text.
    pub content: String,
}

/// Where and what to ask.
pub struct Endpoint<'a> {
    /// Base URL; `/chat/completions` is appended.
    pub base_url: &'a str,
    /// Model name.
    pub model: &'a str,
    /// Bearer key, if the server wants one.
    pub api_key: Option<&'a str>,
    /// Whole-request limit (connection, answer and stream).
    pub timeout: Duration,
}

fn tools() -> Value {
    json!([
        {"type": "function", "function": {
            "name": "escalate",
            "description": "Hand the conversation to a human support agent: when the visitor asks for a person, or you cannot help.",
            "parameters": {"type": "object", "properties": {"reason": {"type": "string"}}}
        }},
        {"type": "function", "function": {
            "name": "resolve",
            "description": "Close the conversation, only after the visitor confirms their question is answered.",
            "parameters": {"type": "object", "properties": {}}
        }}
    ])
}

fn action_of(name: &str) -> Option<Action> {
    match name {
        "escalate" => Some(Action::Escalate),
        "resolve" => Some(Action::Resolve),
        _ => None,
    }
}

/// Asks the model; `on_text` receives the answer so far as it streams. 429 and 5xx,
/// connection errors and timeouts are [`Failure::Retryable`]; other statuses and bodies that
/// are not the protocol's JSON are [`Failure::Permanent`].
pub async fn complete(
    client: &reqwest::Client,
    endpoint: &Endpoint<'_>,
    turns: &[ChatTurn],
    mut on_text: impl FnMut(&str),
) -> Result<Generated, Failure> {
    let url = format!(
        "{}/chat/completions",
        endpoint.base_url.trim_end_matches('/')
    );
    let messages: Vec<Value> = turns
        .iter()
        .map(|t| json!({"role": t.role, "content": t.content}))
        .collect();
    let body = json!({
        "model": endpoint.model,
        "messages": messages,
        "stream": true,
        "tools": tools(),
    });
    let mut request = client.post(&url).timeout(endpoint.timeout).json(&body);
    if let Some(key) = endpoint.api_key.filter(|k| !k.is_empty()) {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    if status.as_u16() == 429 || status.is_server_error() {
        return Err(Failure::Retryable(format!("provider answered {status}")));
    }
    if !status.is_success() {
        return Err(Failure::Permanent(format!("provider answered {status}")));
    }
    let streamed = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !streamed {
        let text = response.text().await.map_err(transport)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Failure::Permanent(format!("malformed JSON from provider: {e}")))?;
        let message = &value["choices"][0]["message"];
        if !message.is_object() {
            return Err(Failure::Permanent(
                "no choices[0].message in the answer".into(),
            ));
        }
        let content = message["content"].as_str().unwrap_or_default().to_owned();
        on_text(&content);
        let action = message["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|c| c["function"]["name"].as_str().and_then(action_of));
        return Ok(Generated { content, action });
    }
    let mut events = response.bytes_stream().eventsource();
    let mut content = String::new();
    let mut action = None;
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| Failure::Retryable(format!("stream broke: {e}")))?;
        if event.data.trim() == "[DONE]" {
            break;
        }
        let chunk: Value = serde_json::from_str(&event.data)
            .map_err(|e| Failure::Permanent(format!("malformed JSON in stream: {e}")))?;
        let delta = &chunk["choices"][0]["delta"];
        if let Some(piece) = delta["content"].as_str()
            && !piece.is_empty()
        {
            content.push_str(piece);
            on_text(&content);
        }
        for call in delta["tool_calls"].as_array().into_iter().flatten() {
            if let Some(a) = call["function"]["name"].as_str().and_then(action_of) {
                action = Some(a);
            }
        }
    }
    Ok(Generated { content, action })
}

fn transport(e: reqwest::Error) -> Failure {
    Failure::Retryable(if e.is_timeout() {
        "provider timed out".to_owned()
    } else {
        format!("provider unreachable: {e}")
    })
}
