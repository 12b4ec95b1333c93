//! The knowledge base: articles cut into passages, full-text retrieval (SQLite FTS5 or
//! PostgreSQL full-text search, in the store), and the offline answer built from them.

use crate::error::{Error, Result};
use crate::staff::accounts::Operator;
use crate::state::State;
use crate::store::{ArticleRow, PassageHit};
use parley_shared::staff::{Article, CreateArticle};
use parley_shared::{ArticleId, OrganizationId};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// Longest article title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest article body, in characters.
pub const MAX_BODY_CHARS: usize = 50_000;
/// Share of the question's words a passage must contain to count as an answer.
const MIN_COVERAGE: f64 = 0.5;

/// Words that carry no meaning for retrieval (English and French, as the seeds).
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "an",
    "and",
    "any",
    "are",
    "much",
    "many",
    "some",
    "need",
    "want",
    "like",
    "know",
    "tell",
    "as",
    "at",
    "be",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "for",
    "from",
    "get",
    "had",
    "has",
    "have",
    "hello",
    "hi",
    "how",
    "i",
    "if",
    "in",
    "is",
    "it",
    "its",
    "me",
    "my",
    "no",
    "not",
    "of",
    "on",
    "or",
    "our",
    "please",
    "so",
    "that",
    "the",
    "their",
    "there",
    "this",
    "to",
    "was",
    "we",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    // Generic words that say nothing about the topic ("a good recipe", "the best way"): on a
    // real FAQ they match some passage anywhere, and a lone match would pass for an answer.
    "good",
    "best",
    "better",
    "great",
    "nice",
    "way",
    "ways",
    "thing",
    "things",
    "make",
    "take",
    "use",
    "help",
    "question",
    "something",
    "anything",
    "really",
    "also",
    "just",
    "got",
    "one",
    "new",
    "well",
    "long",
    "much",
    "lot",
    "kind",
    "sort",
    "possible",
    "should",
    "must",
    "au",
    "aux",
    "avec",
    "bonjour",
    "ce",
    "ces",
    "comment",
    "dans",
    "de",
    "des",
    "du",
    "elle",
    "en",
    "est",
    "et",
    "il",
    "je",
    "la",
    "le",
    "les",
    "leur",
    "ma",
    "mais",
    "me",
    "mes",
    "mon",
    "ne",
    "nous",
    "on",
    "ou",
    "où",
    "par",
    "pas",
    "pour",
    "quand",
    "que",
    "quel",
    "quelle",
    "qui",
    "sa",
    "se",
    "ses",
    "son",
    "sur",
    "ta",
    "te",
    "tes",
    "ton",
    "tu",
    "un",
    "une",
    "vos",
    "votre",
    "vous",
];

/// The words of a question worth searching for: lowercased, without stop words, deduplicated.
pub fn terms(question: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() > 1 && !STOP_WORDS.contains(&w.as_str()))
    {
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out.truncate(20);
    out
}

/// A word's stem for the coverage check: its first five characters (enough to match
/// "refund"/"refunds"/"refunded" without a language-specific stemmer).
fn stem(word: &str) -> String {
    word.chars().take(5).collect()
}

/// Which of `terms` the passage contains: a term counts when a word of the passage starts
/// with its stem ("cost" → "costs", "refunded" → "refund").
fn contained(terms: &[String], hit: &PassageHit) -> Vec<bool> {
    let text = format!("{} {} {}", hit.title, hit.heading, hit.body).to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    terms
        .iter()
        .map(|t| {
            let s = stem(t);
            words.iter().any(|w| w.starts_with(&s))
        })
        .collect()
}

/// The passages that answer `question` well, best first (at most `limit`).
///
/// Full-text ranking finds candidates; a candidate counts only if it holds at least half of
/// the question's words that the knowledge base knows at all (words no candidate contains,
/// such as "long" in "how long does a refund take", neither help nor hurt).
pub async fn retrieve(
    state: &State,
    org: OrganizationId,
    question: &str,
    limit: u32,
) -> Result<Vec<PassageHit>> {
    let terms = terms(question);
    let hits = state.store.search_passages(org, &terms, 10).await?;
    Ok(well_matching(&terms, hits, limit as usize))
}

/// The hits that hold at least [`MIN_COVERAGE`] of the known terms, in rank order.
fn well_matching(terms: &[String], hits: Vec<PassageHit>, limit: usize) -> Vec<PassageHit> {
    let found: Vec<Vec<bool>> = hits.iter().map(|h| contained(terms, h)).collect();
    let known: Vec<usize> = (0..terms.len())
        .filter(|&i| found.iter().any(|f| f[i]))
        .collect();
    if known.is_empty() {
        return Vec::new();
    }
    hits.into_iter()
        .zip(found)
        .filter(|(_, f)| {
            let share = known.iter().filter(|&&i| f[i]).count() as f64 / known.len() as f64;
            share >= MIN_COVERAGE
        })
        .map(|(h, _)| h)
        .take(limit)
        .collect()
}

/// Cuts a markdown article into passages `(heading, text)`: one per section, a section
/// starting at each heading; text before the first heading is filed under the title.
pub fn passages(title: &str, markdown: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut heading: Option<(String, usize)> = None;
    let mut body_start = 0;
    let mut current = title.to_owned();
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H3 => {
                sections.push((current.clone(), body_start..range.start));
                heading = Some((String::new(), range.start));
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((h, _)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((h, _)) = heading.take() {
                    current = h;
                    body_start = range.end;
                }
            }
            _ => {}
        }
    }
    sections.push((current, body_start..markdown.len()));
    sections
        .into_iter()
        .map(|(h, r)| (h, markdown[r].trim().to_owned()))
        .filter(|(_, body)| !body.is_empty())
        .collect()
}

/// The offline answer: the best passage, quoted, with its source; `None` when nothing
/// matches well (the caller offers a person instead).
pub fn answer(hits: &[PassageHit]) -> Option<String> {
    let best = hits.first()?;
    let source = if best.heading == best.title {
        best.title.clone()
    } else {
        format!("{} › {}", best.title, best.heading)
    };
    Some(format!(
        "{}\n\nSource: “{source}”. If this does not answer your question, tap “Talk to a person”.",
        best.body
    ))
}

/// What the responder says when the knowledge base has nothing on the question.
pub const NO_MATCH: &str = "I couldn't find an answer to that in our help articles. \
    Would you like to talk to a person? Tap “Talk to a person” and someone from the team will reply here.";

fn view(a: ArticleRow) -> Article {
    Article {
        id: a.id,
        title: a.title,
        body: a.body,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// The organization's articles, newest first.
pub async fn list(state: &State, op: &Operator) -> Result<Vec<Article>> {
    let rows = state.store.articles(op.organization_id).await?;
    Ok(rows.into_iter().map(view).collect())
}

/// Adds an article (managers only). Errors: `Forbidden`, `Validation` (empty or too long).
pub async fn create(state: &State, op: &Operator, req: CreateArticle) -> Result<Article> {
    op.require_manager()?;
    add(state, op.organization_id, req).await
}

/// Adds an article to `org` (also used to seed the demo knowledge base).
pub async fn add(state: &State, org: OrganizationId, req: CreateArticle) -> Result<Article> {
    let title = req.title.trim().to_owned();
    let body = req.body.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::Validation(format!(
            "title: 1 to {MAX_TITLE_CHARS} characters"
        )));
    }
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(Error::Validation(format!(
            "body: 1 to {MAX_BODY_CHARS} characters"
        )));
    }
    let now = state.clock.now();
    let row = ArticleRow {
        id: ArticleId::new_random(),
        organization_id: org,
        title,
        body,
        created_at: now,
        updated_at: now,
    };
    let parts = passages(&row.title, &row.body);
    state.store.create_article(&row, &parts).await?;
    Ok(view(row))
}

/// Deletes an article (managers only). Errors: `Forbidden`, `ArticleNotFound`.
pub async fn delete(state: &State, op: &Operator, id: ArticleId) -> Result<()> {
    op.require_manager()?;
    if state.store.delete_article(op.organization_id, id).await? {
        Ok(())
    } else {
        Err(Error::ArticleNotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_follow_headings_and_keep_the_intro_under_the_title() {
        let md = "Intro text.\n\n## Refunds\nWithin 30 days.\n\n```\n# not a heading\n```\n\n## Shipping\nTwo days.";
        let p = passages("Orders", md);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], ("Orders".into(), "Intro text.".into()));
        assert_eq!(p[1].0, "Refunds");
        assert!(p[1].1.contains("# not a heading"), "{:?}", p[1]);
        assert_eq!(p[2], ("Shipping".into(), "Two days.".into()));
    }

    #[test]
    fn terms_drop_stop_words_and_punctuation() {
        assert_eq!(
            terms("How do I get a REFUND for my order?"),
            vec!["refund", "order"]
        );
        assert!(terms("hi, how are you?").is_empty());
    }
}
