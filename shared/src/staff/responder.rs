//! The AI responder's settings and its knowledge base.

use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// Where the AI responder's answers come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResponderProvider {
    /// Offline: the best-matching passages of the organization's articles, quoted.
    #[default]
    KnowledgeBase,
    /// An OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp),
    /// fed with the same passages (retrieval-augmented).
    Openai,
}

impl ResponderProvider {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KnowledgeBase => "knowledge_base",
            Self::Openai => "openai",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "knowledge_base" => Some(Self::KnowledgeBase),
            "openai" => Some(Self::Openai),
            _ => None,
        }
    }
}

/// `GET`/`PUT /api/dashboard/responder`: the organization's AI responder. The provider's API
/// key is write-only: `GET` says only whether one is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResponderSettings {
    /// Whether new contact messages in unresolved conversations get an automatic answer.
    pub enabled: bool,
    /// Where answers come from.
    #[serde(default)]
    pub provider: ResponderProvider,
    /// OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` or
    /// `http://127.0.0.1:11434/v1`; `/chat/completions` is appended.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Model name, e.g. `gpt-4o-mini` or `llama3.2`.
    #[serde(default)]
    pub model: Option<String>,
    /// `PUT` only: a new API key; absent keeps the stored one, `""` removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// `GET` only: whether an API key is stored.
    #[serde(default)]
    pub api_key_set: bool,
    /// The organization's instructions to the model (tone, scope, policies); at most
    /// 4,000 characters.
    #[serde(default)]
    pub instructions: String,
    /// How many recent messages of the conversation the model sees (1–50; seed 002: 10).
    #[serde(default = "default_context_messages")]
    pub context_messages: u32,
}

fn default_context_messages() -> u32 {
    10
}

/// `PUT /api/dashboard/conversations/{id}/responder`: switch the AI responder on or off for
/// one conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetResponder {
    /// On or off.
    pub active: bool,
}

/// A knowledge-base article (`/api/dashboard/articles`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Article {
    /// Its ID.
    pub id: crate::ids::ArticleId,
    /// Title, cited in answers.
    pub title: String,
    /// Markdown text; each `#` heading starts a passage.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/dashboard/articles`: a new article (title 1–200 characters, body 1–50,000).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateArticle {
    /// Title.
    pub title: String,
    /// Markdown text.
    pub body: String,
}
