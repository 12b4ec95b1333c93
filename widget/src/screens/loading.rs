//! Loading: the boot steps, each shown as pending, current or done.

use crate::app::LoadingStep;
use yew::prelude::*;

/// Loading screen properties.
#[derive(Properties, PartialEq)]
pub struct LoadingProps {
    /// The step in progress.
    pub step: LoadingStep,
}

/// The loading screen.
#[function_component]
pub fn LoadingScreen(props: &LoadingProps) -> Html {
    let steps = [
        (
            LoadingStep::FindingOrganizationId,
            "Finding organization ID",
        ),
        (LoadingStep::VerifyingOrganization, "Verifying organization"),
        (LoadingStep::VerifyingSession, "Verifying session"),
    ];
    html! {
        <main class="screen loading" aria-busy="true">
            <div class="spinner" aria-hidden="true"></div>
            <ol class="steps">
                { for steps.iter().map(|(step, label)| {
                    let state = if *step < props.step { "done" } else if *step == props.step { "current" } else { "pending" };
                    html! { <li class={state}>{ *label }{ if state == "done" { " ✓" } else { "" } }</li> }
                }) }
            </ol>
        </main>
    }
}
