//! Outgoing webhooks: endpoints, their subscriptions and the delivery log (see
//! `crate::webhooks`).

use super::{NewJob, StoreError};
use async_trait::async_trait;
use parley_shared::staff::{
    WebhookDelivery, WebhookDeliveryState, WebhookEndpoint, WebhookEventType,
};
use parley_shared::{
    ContactSessionId, ConversationId, OrganizationId, Timestamp, WebhookDeliveryId,
    WebhookEndpointId,
};

/// An endpoint with what only the server sees.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointRow {
    /// The endpoint as its organization sees it.
    pub endpoint: WebhookEndpoint,
    /// Its organization.
    pub organization_id: OrganizationId,
    /// The secret replaced by the last rotation (signs too until
    /// `endpoint.previous_secret_until`).
    pub previous_secret: Option<String>,
}

/// What to change on an endpoint (`None`: keep).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EndpointChange {
    /// A new URL.
    pub url: Option<String>,
    /// A new set of event types.
    pub events: Option<Vec<WebhookEventType>>,
    /// On or off; turning it on clears `failing_since` and `disabled_reason`.
    pub enabled: Option<bool>,
    /// A new secret, and until when the current one keeps signing.
    pub rotate: Option<(String, Timestamp)>,
}

/// A delivery to record with the job that sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDelivery {
    /// The delivery.
    pub delivery: WebhookDelivery,
    /// Its organization.
    pub organization_id: OrganizationId,
    /// The conversation it is about (erased with it).
    pub conversation_id: Option<ConversationId>,
    /// The contact it is about (erased with them).
    pub contact_session_id: Option<ContactSessionId>,
    /// The `webhook.deliver` job; `None` when the caller attempts it at once ("send test").
    pub job: Option<NewJob>,
}

/// The outcome of one attempt, to record on its delivery and endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptRecord {
    /// The HTTP status, if the endpoint answered.
    pub status_code: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The delivery's state after it.
    pub state: WebhookDeliveryState,
    /// When it was made.
    pub at: Timestamp,
}

/// Webhook storage; part of [`super::Store`].
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Registers an endpoint with its subscriptions.
    async fn create_webhook_endpoint(&self, row: &EndpointRow) -> Result<(), StoreError>;
    /// The organization's endpoints, oldest first.
    async fn webhook_endpoints(&self, org: OrganizationId) -> Result<Vec<EndpointRow>, StoreError>;
    /// One of the organization's endpoints.
    async fn webhook_endpoint(
        &self,
        org: OrganizationId,
        id: WebhookEndpointId,
    ) -> Result<Option<EndpointRow>, StoreError>;
    /// Changes one of the organization's endpoints; `None` if there is none.
    async fn update_webhook_endpoint(
        &self,
        org: OrganizationId,
        id: WebhookEndpointId,
        change: &EndpointChange,
    ) -> Result<Option<EndpointRow>, StoreError>;
    /// Deletes an endpoint, its subscriptions and its deliveries; `false` if there is none.
    async fn delete_webhook_endpoint(
        &self,
        org: OrganizationId,
        id: WebhookEndpointId,
    ) -> Result<bool, StoreError>;
    /// The organization's enabled endpoints subscribed to `event`.
    async fn subscribed_webhook_endpoints(
        &self,
        org: OrganizationId,
        event: WebhookEventType,
    ) -> Result<Vec<EndpointRow>, StoreError>;
    /// Records `job` (an event to fan out) only if an enabled endpoint of its organization
    /// subscribes to `event`: an organization without webhooks pays one indexed read.
    /// `false` when nobody listens (or the ID exists).
    async fn record_webhook_event(
        &self,
        job: &NewJob,
        event: WebhookEventType,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Records deliveries with their jobs, in one transaction; existing IDs are kept (a
    /// fan-out run twice makes each delivery once).
    async fn create_webhook_deliveries(
        &self,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// A delivery and its endpoint.
    async fn webhook_delivery(
        &self,
        id: WebhookDeliveryId,
    ) -> Result<Option<(WebhookDelivery, EndpointRow)>, StoreError>;
    /// An endpoint's latest deliveries, newest first, at most `limit`.
    async fn webhook_deliveries(
        &self,
        org: OrganizationId,
        endpoint: WebhookEndpointId,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;
    /// Records an attempt on the delivery, and on its endpoint: a success clears
    /// `failing_since`, a failure sets it if unset. Returns the endpoint's `failing_since`
    /// after it.
    async fn record_webhook_attempt(
        &self,
        id: WebhookDeliveryId,
        attempt: &AttemptRecord,
    ) -> Result<Option<Timestamp>, StoreError>;
    /// Sets a delivery's state (the job gave up, or the endpoint is disabled).
    async fn set_webhook_delivery_state(
        &self,
        id: WebhookDeliveryId,
        state: WebhookDeliveryState,
    ) -> Result<(), StoreError>;
    /// Disables an endpoint, saying why.
    async fn disable_webhook_endpoint(
        &self,
        id: WebhookEndpointId,
        reason: &str,
    ) -> Result<(), StoreError>;
    /// Puts one of the organization's deliveries back to `pending` with a new job; `None`
    /// if there is no such delivery.
    async fn redeliver_webhook(
        &self,
        org: OrganizationId,
        id: WebhookDeliveryId,
        job: &NewJob,
        now: Timestamp,
    ) -> Result<Option<WebhookDelivery>, StoreError>;
}

/// Implements [`WebhookStore`] for a SQL store (see `sql.rs`).
macro_rules! impl_webhook_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::WebhookStore for $store {
            async fn create_webhook_endpoint(&self, row: &EndpointRow) -> Result<(), StoreError> {
                let e = &row.endpoint;
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO webhook_endpoints (id, organization_id, url, secret, enabled, \
                     created_at) VALUES ($1, $2, $3, $4, 1, $5)",
                )
                .bind(e.id.to_string())
                .bind(row.organization_id.to_string())
                .bind(&e.url)
                .bind(&e.secret)
                .bind(e.created_at.unix_millis())
                .execute(&mut *tx)
                .await?;
                subscribe(&mut tx, row.organization_id, e.id, &e.events).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn webhook_endpoints(
                &self,
                org: OrganizationId,
            ) -> Result<Vec<EndpointRow>, StoreError> {
                let rows = sqlx::query(
                    "SELECT e.* FROM webhook_endpoints e WHERE e.organization_id = $1 \
                     ORDER BY e.created_at, e.id",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                with_events(&self.reader, &rows).await
            }

            async fn webhook_endpoint(
                &self,
                org: OrganizationId,
                id: WebhookEndpointId,
            ) -> Result<Option<EndpointRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT e.* FROM webhook_endpoints e WHERE e.organization_id = $1 \
                     AND e.id = $2",
                )
                .bind(org.to_string())
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                match row {
                    Some(r) => {
                        let events = events_of(&self.reader, &id.to_string()).await?;
                        Ok(Some(endpoint_from_row(&r, events)?))
                    }
                    None => Ok(None),
                }
            }

            async fn update_webhook_endpoint(
                &self,
                org: OrganizationId,
                id: WebhookEndpointId,
                change: &EndpointChange,
            ) -> Result<Option<EndpointRow>, StoreError> {
                let mut tx = self.writer.begin().await?;
                let (secret, until) = match &change.rotate {
                    Some((secret, until)) => (Some(secret.as_str()), Some(until.unix_millis())),
                    None => (None, None),
                };
                let enabled = change.enabled.map(i64::from);
                // A rotation moves the current secret to `previous_secret`; enabling clears
                // the failure record.
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET url = COALESCE($1, url), \
                     previous_secret = CASE WHEN $2 IS NULL THEN previous_secret ELSE secret END, \
                     previous_secret_until = COALESCE($3, previous_secret_until), \
                     secret = COALESCE($2, secret), \
                     enabled = COALESCE($4, enabled), \
                     disabled_reason = CASE WHEN $4 IS NULL THEN disabled_reason ELSE NULL END, \
                     failing_since = CASE WHEN $4 = 1 THEN NULL ELSE failing_since END \
                     WHERE organization_id = $5 AND id = $6",
                )
                .bind(change.url.as_deref())
                .bind(secret)
                .bind(until)
                .bind(enabled)
                .bind(org.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                if let Some(events) = &change.events {
                    sqlx::query("DELETE FROM webhook_subscriptions WHERE endpoint_id = $1")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                    subscribe(&mut tx, org, id, events).await?;
                }
                tx.commit().await?;
                self.webhook_endpoint(org, id).await
            }

            async fn delete_webhook_endpoint(
                &self,
                org: OrganizationId,
                id: WebhookEndpointId,
            ) -> Result<bool, StoreError> {
                let mut tx = self.writer.begin().await?;
                for table in ["webhook_subscriptions", "webhook_deliveries"] {
                    let sql = format!(
                        "DELETE FROM {table} WHERE endpoint_id = $1 AND endpoint_id IN \
                         (SELECT id FROM webhook_endpoints WHERE organization_id = $2)"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(id.to_string())
                        .bind(org.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                let done = sqlx::query(
                    "DELETE FROM webhook_endpoints WHERE id = $1 AND organization_id = $2",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn subscribed_webhook_endpoints(
                &self,
                org: OrganizationId,
                event: WebhookEventType,
            ) -> Result<Vec<EndpointRow>, StoreError> {
                let rows = sqlx::query(
                    "SELECT e.* FROM webhook_endpoints e JOIN webhook_subscriptions s \
                     ON s.endpoint_id = e.id WHERE s.organization_id = $1 \
                     AND s.event_type = $2 AND e.enabled = 1 ORDER BY e.created_at, e.id",
                )
                .bind(org.to_string())
                .bind(event.as_str())
                .fetch_all(&self.writer)
                .await?;
                with_events(&self.writer, &rows).await
            }

            async fn record_webhook_event(
                &self,
                job: &NewJob,
                event: WebhookEventType,
                now: Timestamp,
            ) -> Result<bool, StoreError> {
                // Asked on the readers first: most organizations have no webhooks, and on
                // SQLite even an insert of nothing would take the one writer.
                let listening: bool = sqlx::query_scalar(concat!(
                    "SELECT ",
                    webhook_listening!("$1", "$2")
                ))
                .bind(job.organization_id.to_string())
                .bind(event.as_str())
                .fetch_one(&self.reader)
                .await?;
                if !listening {
                    return Ok(false);
                }
                let done = enqueue_job_query!(job, now).execute(&self.writer).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_webhook_deliveries(
                &self,
                deliveries: &[NewDelivery],
                now: Timestamp,
            ) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                for n in deliveries {
                    let d = &n.delivery;
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, \
                         event_type, payload, conversation_id, contact_session_id, state, \
                         attempts, last_status_code, last_error, last_attempt_at, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(d.id.to_string())
                    .bind(d.endpoint_id.to_string())
                    .bind(n.organization_id.to_string())
                    .bind(d.event_type.as_str())
                    .bind(&d.payload)
                    .bind(n.conversation_id.map(|c| c.to_string()))
                    .bind(n.contact_session_id.map(|c| c.to_string()))
                    .bind(d.state.as_str())
                    .bind(i64::from(d.attempts))
                    .bind(d.last_status_code.map(i64::from))
                    .bind(d.last_error.as_deref())
                    .bind(d.last_attempt_at.map(|t| t.unix_millis()))
                    .bind(d.created_at.unix_millis())
                    .execute(&mut *tx)
                    .await?;
                    if let Some(job) = &n.job {
                        enqueue_job_query!(job, now).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn webhook_delivery(
                &self,
                id: WebhookDeliveryId,
            ) -> Result<Option<(WebhookDelivery, EndpointRow)>, StoreError> {
                let row = sqlx::query(
                    "SELECT d.id AS d_id, d.endpoint_id AS d_endpoint_id, d.event_type AS \
                     d_event_type, d.payload AS d_payload, d.state AS d_state, d.attempts AS \
                     d_attempts, d.last_status_code AS d_last_status_code, d.last_error AS \
                     d_last_error, d.last_attempt_at AS d_last_attempt_at, d.created_at AS \
                     d_created_at, e.* FROM webhook_deliveries d JOIN webhook_endpoints e \
                     ON e.id = d.endpoint_id WHERE d.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.writer)
                .await?;
                match row {
                    Some(r) => {
                        let events =
                            events_of(&self.writer, &r.try_get::<String, _>("id")?).await?;
                        Ok(Some((
                            delivery_from_row(&r, "d_")?,
                            endpoint_from_row(&r, events)?,
                        )))
                    }
                    None => Ok(None),
                }
            }

            async fn webhook_deliveries(
                &self,
                org: OrganizationId,
                endpoint: WebhookEndpointId,
                limit: u32,
            ) -> Result<Vec<WebhookDelivery>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM webhook_deliveries WHERE organization_id = $1 AND \
                     endpoint_id = $2 ORDER BY created_at DESC, id LIMIT $3",
                )
                .bind(org.to_string())
                .bind(endpoint.to_string())
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|r| delivery_from_row(r, "")).collect()
            }

            async fn record_webhook_attempt(
                &self,
                id: WebhookDeliveryId,
                a: &AttemptRecord,
            ) -> Result<Option<Timestamp>, StoreError> {
                let mut tx = self.writer.begin().await?;
                let endpoint: Option<String> = sqlx::query_scalar(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                     last_status_code = $1, last_error = $2, last_attempt_at = $3, state = $4 \
                     WHERE id = $5 RETURNING endpoint_id",
                )
                .bind(a.status_code.map(i64::from))
                .bind(a.error.as_deref())
                .bind(a.at.unix_millis())
                .bind(a.state.as_str())
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(endpoint) = endpoint else {
                    return Ok(None);
                };
                let failed = a.state != WebhookDeliveryState::Delivered;
                let since: Option<i64> = sqlx::query_scalar(
                    "UPDATE webhook_endpoints SET failing_since = CASE WHEN $1 = 1 THEN \
                     COALESCE(failing_since, $2) ELSE NULL END WHERE id = $3 \
                     RETURNING failing_since",
                )
                .bind(i64::from(failed))
                .bind(a.at.unix_millis())
                .bind(endpoint)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
                tx.commit().await?;
                Ok(opt_time(since))
            }

            async fn set_webhook_delivery_state(
                &self,
                id: WebhookDeliveryId,
                state: WebhookDeliveryState,
            ) -> Result<(), StoreError> {
                sqlx::query("UPDATE webhook_deliveries SET state = $1 WHERE id = $2")
                    .bind(state.as_str())
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn disable_webhook_endpoint(
                &self,
                id: WebhookEndpointId,
                reason: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1 WHERE id = $2",
                )
                .bind(reason)
                .bind(id.to_string())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn redeliver_webhook(
                &self,
                org: OrganizationId,
                id: WebhookDeliveryId,
                job: &NewJob,
                now: Timestamp,
            ) -> Result<Option<WebhookDelivery>, StoreError> {
                let mut tx = self.writer.begin().await?;
                let row = sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'pending' WHERE id = $1 AND \
                     organization_id = $2 RETURNING *",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                enqueue_job_query!(job, now).execute(&mut *tx).await?;
                tx.commit().await?;
                delivery_from_row(&row, "").map(Some)
            }
        }

        /// Adds `events` to an endpoint's subscriptions.
        async fn subscribe(
            tx: &mut sqlx::Transaction<'_, $db>,
            org: OrganizationId,
            id: WebhookEndpointId,
            events: &[WebhookEventType],
        ) -> Result<(), StoreError> {
            for event in events {
                sqlx::query(
                    "INSERT INTO webhook_subscriptions (endpoint_id, organization_id, \
                     event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .bind(event.as_str())
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }

        /// Endpoint rows (`SELECT e.*`) with their event types.
        async fn with_events(
            pool: &sqlx::Pool<$db>,
            rows: &[$row],
        ) -> Result<Vec<EndpointRow>, StoreError> {
            let mut endpoints = Vec::with_capacity(rows.len());
            for r in rows {
                let events = events_of(pool, &r.try_get::<String, _>("id")?).await?;
                endpoints.push(endpoint_from_row(r, events)?);
            }
            Ok(endpoints)
        }

        /// An endpoint's event types, in their listing order.
        async fn events_of(
            pool: &sqlx::Pool<$db>,
            id: &str,
        ) -> Result<Vec<WebhookEventType>, StoreError> {
            let raw: Vec<String> = sqlx::query_scalar(
                "SELECT event_type FROM webhook_subscriptions WHERE endpoint_id = $1",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut events = raw
                .iter()
                .map(|e| {
                    WebhookEventType::parse(e)
                        .ok_or_else(|| StoreError::Corrupt(format!("bad event type {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            events.sort();
            Ok(events)
        }
    };
}

/// SQL: whether an enabled endpoint of organization `$org` subscribes to event type `$event`
/// (both SQL expressions). One place for the rule, used by [`WebhookStore::record_webhook_event`]
/// and by the message insert (`message.created` commits with its message).
macro_rules! webhook_listening {
    ($org:literal, $event:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM webhook_subscriptions s JOIN webhook_endpoints e ON e.id = \
             s.endpoint_id WHERE s.organization_id = ",
            $org,
            " AND s.event_type = ",
            $event,
            " AND e.enabled = 1)"
        )
    };
}
