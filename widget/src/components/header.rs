//! The widget's header: optional back button, title, optional menu, and a close button
//! that asks the host page to close the widget.

use crate::host;
use yew::prelude::*;

/// Header properties.
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// Title text.
    pub title: AttrValue,
    /// Shows a back button calling this.
    #[prop_or_default]
    pub on_back: Option<Callback<()>>,
    /// Shows a menu button with these `(label, action)` entries.
    #[prop_or_default]
    pub menu: Vec<(AttrValue, Callback<()>)>,
}

/// The header bar.
#[function_component]
pub fn Header(props: &HeaderProps) -> Html {
    let menu_open = use_state(|| false);
    let back = props.on_back.clone().map(|on_back| {
        html! {
            <button type="button" class="icon back" aria-label="Back" title="Back"
                onclick={Callback::from(move |_| on_back.emit(()))}>{ "←" }</button>
        }
    });
    let menu = (!props.menu.is_empty()).then(|| {
        let toggle = {
            let menu_open = menu_open.clone();
            Callback::from(move |_| menu_open.set(!*menu_open))
        };
        let items = props.menu.iter().map(|(label, action)| {
            let action = action.clone();
            let menu_open = menu_open.clone();
            html! {
                <button type="button" role="menuitem" onclick={Callback::from(move |_| {
                    menu_open.set(false);
                    action.emit(());
                })}>{ label.clone() }</button>
            }
        });
        html! {
            <div class="menu-wrap">
                <button type="button" class="icon menu-button" aria-label="Menu" title="Menu"
                    aria-expanded={menu_open.to_string()} onclick={toggle}>{ "⋯" }</button>
                if *menu_open { <div class="menu-list" role="menu">{ for items }</div> }
            </div>
        }
    });
    html! {
        <header class="header">
            { back }
            <h1 class="title">{ props.title.clone() }</h1>
            { menu }
            <button type="button" class="icon close" aria-label="Close" title="Close"
                onclick={Callback::from(|_| host::post("close"))}>{ "×" }</button>
        </header>
    }
}
