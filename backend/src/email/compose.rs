//! The reply email: the new replies, a recap of the conversation before them, "Continue the
//! conversation" and "Unsubscribe" links; a plain-text part and an HTML part in the
//! organization's colour. Every text from people is escaped in the HTML.

use lettre::Message as Mail;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use parley_shared::api::{Message, MessageRole};

/// What one reply email says and where it goes.
pub struct ReplyMail<'a> {
    /// The sender.
    pub from: &'a Mailbox,
    /// The visitor's name and address.
    pub to: Mailbox,
    /// The organization's name (its widget's display name).
    pub organization: &'a str,
    /// Its accent colour, `#rrggbb` (validated when saved).
    pub accent: &'a str,
    /// The messages before the new replies, oldest first (a short recap).
    pub recap: &'a [Message],
    /// The new replies, oldest first.
    pub replies: &'a [Message],
    /// The visitor's name, for their own messages in the recap.
    pub contact_name: &'a str,
    /// "Continue the conversation".
    pub continue_url: &'a str,
    /// "Unsubscribe".
    pub unsubscribe_url: &'a str,
    /// The same for every attempt at this batch, so a resent batch can be recognized.
    pub message_id: String,
}

fn author<'a>(m: &'a Message, contact: &'a str) -> &'a str {
    match m.role {
        MessageRole::Contact => contact,
        _ => m.author_name.as_deref().unwrap_or("Support"),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl ReplyMail<'_> {
    /// The subject line.
    pub fn subject(&self) -> String {
        format!("New reply from {}", self.organization)
    }

    /// The plain-text part.
    pub fn text(&self) -> String {
        let mut out = format!("{} replied to your conversation:\n\n", self.organization);
        for m in self.replies {
            out.push_str(&format!(
                "{}:\n{}\n\n",
                author(m, self.contact_name),
                m.content
            ));
        }
        out.push_str(&format!(
            "Continue the conversation: {}\n",
            self.continue_url
        ));
        if !self.recap.is_empty() {
            out.push_str("\nEarlier in this conversation:\n\n");
            for m in self.recap {
                out.push_str(&format!(
                    "{}: {}\n",
                    author(m, self.contact_name),
                    m.content
                ));
            }
        }
        out.push_str(&format!(
            "\nYou receive this because you wrote to {} and had not seen the reply. \
             Unsubscribe: {}\n",
            self.organization, self.unsubscribe_url
        ));
        out
    }

    /// The HTML part.
    pub fn html(&self) -> String {
        let block = |m: &Message, muted: bool| {
            format!(
                "<p style=\"margin:0 0 12px;{}\"><strong>{}</strong><br>{}</p>",
                if muted { "color:#4b5563" } else { "" },
                escape(author(m, self.contact_name)),
                escape(&m.content).replace('\n', "<br>")
            )
        };
        let replies: String = self.replies.iter().map(|m| block(m, false)).collect();
        let recap: String = self.recap.iter().map(|m| block(m, true)).collect();
        let org = escape(self.organization);
        format!(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#111827\">\
             <div style=\"max-width:560px;margin:0 auto\">\
             <h1 style=\"font-size:18px;color:{accent}\">{org}</h1>{replies}\
             <p><a href=\"{continue_url}\" style=\"display:inline-block;padding:10px 16px;\
             background:{accent};color:#fff;border-radius:6px;text-decoration:none\">\
             Continue the conversation</a></p>\
             {recap_title}{recap}\
             <p style=\"font-size:12px;color:#4b5563\">You receive this because you wrote to \
             {org} and had not seen the reply. <a href=\"{unsubscribe}\">Unsubscribe</a></p>\
             </div></body></html>",
            accent = self.accent,
            continue_url = escape(self.continue_url),
            unsubscribe = escape(self.unsubscribe_url),
            recap_title = if self.recap.is_empty() {
                String::new()
            } else {
                "<h2 style=\"font-size:14px;color:#4b5563\">Earlier in this conversation</h2>"
                    .to_owned()
            },
        )
    }

    /// The email. Errors: an address or header lettre refuses, as text.
    pub fn build(&self) -> Result<Mail, String> {
        let mut builder = Mail::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(self.subject())
            .message_id(Some(self.message_id.clone()));
        // One-click unsubscribe for mail clients (RFC 8058's header, as a plain link here).
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{}>", self.unsubscribe_url),
        ));
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(self.text()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(self.html()),
                    ),
            )
            .map_err(|e| e.to_string())
    }
}
