//! The message of a submitted form, put next to that form in the page, with the invalid field
//! marked (`aria-invalid`, and the `invalid` class on its label) and scrolled into view. It works
//! on the page in place, so a refused form keeps everything that was typed in it.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlFormElement};

use crate::app::{App, FormFeedback};

/// Where a form is, to find it again after the page is redrawn: its id (or the one it is given),
/// its name and its rank among the forms with that name.
pub fn place_of(form: &HtmlFormElement) -> (String, (String, usize)) {
    let name = form.get_attribute("data-form").unwrap_or_default();
    let rank = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all(&format!("form[data-form=\"{name}\"]")).ok())
        .and_then(|list| {
            (0..list.length()).find(|i| list.item(*i).is_some_and(|n| n.is_same_node(Some(form.as_ref()))))
        })
        .unwrap_or(0) as usize;
    (form.id(), (name, rank))
}

/// Show the app's form message, if it belongs to the open screen. Any earlier message and mark
/// are taken away first.
pub fn show(app: &App) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Ok(old) = document.query_selector_all(".form-msg") {
        for i in 0..old.length() {
            if let Some(el) = old.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                el.remove();
            }
        }
    }
    if let Ok(marked) = document.query_selector_all("[aria-invalid=true]") {
        for i in 0..marked.length() {
            if let Some(el) = marked.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let _ = el.remove_attribute("aria-invalid");
                if let Some(label) = el.closest("label").ok().flatten() {
                    let _ = label.class_list().remove_1("invalid");
                }
            }
        }
    }
    let Some(feedback) = app.feedback.as_ref().filter(|f| f.screen == app.screen) else { return };
    let Some(target) = find(&document, feedback) else { return };
    let Ok(msg) = document.create_element("p") else { return };
    msg.set_class_name(if feedback.ok { "form-msg ok" } else { "form-msg error" });
    let _ = msg.set_attribute("role", if feedback.ok { "status" } else { "alert" });
    msg.set_text_content(Some(&feedback.message));
    let field = feedback.field.as_ref().and_then(|f| target.query_selector(&format!("[name=\"{f}\"]")).ok().flatten());
    match &field {
        Some(input) => {
            let _ = input.set_attribute("aria-invalid", "true");
            let label = input.closest("label, fieldset").ok().flatten();
            if let Some(label) = &label {
                let _ = label.class_list().add_1("invalid");
            }
            let anchor = label.unwrap_or_else(|| input.clone());
            let _ = anchor.after_with_node_1(&msg);
            let _ = msg.set_attribute("id", "form-msg");
            let _ = input.set_attribute("aria-describedby", "form-msg");
        }
        None if target.tag_name().eq_ignore_ascii_case("form") => {
            let _ = target.append_child(&msg);
        }
        None => {
            let _ = target.after_with_node_1(&msg);
        }
    }
    // The field (or the message) goes to the top of the view, then a little lower so the status
    // bar does not hide it: the message just under the field is in view too.
    match &field {
        Some(input) => input.closest("label, fieldset").ok().flatten().unwrap_or_else(|| input.clone()),
        None => msg.clone(),
    }
    .scroll_into_view_with_bool(true);
    if let Some(w) = web_sys::window() {
        w.scroll_by_with_x_and_y(0.0, -160.0);
        // Near the end of the page the field cannot reach the top, and the step back would push
        // the message below the view: bring its bottom back in.
        let height = w.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
        let below = msg.get_bounding_client_rect().bottom() - height;
        if height > 0.0 && below > 0.0 {
            w.scroll_by_with_x_and_y(0.0, below + 8.0);
        }
    }
    if let Some(input) = field.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = input.focus();
    }
}

fn find(document: &web_sys::Document, feedback: &FormFeedback) -> Option<Element> {
    if !feedback.target.is_empty()
        && let Some(el) = document.get_element_by_id(&feedback.target)
    {
        return Some(el);
    }
    let (name, rank) = &feedback.form;
    document.query_selector_all(&format!("form[data-form=\"{name}\"]")).ok()?.item(*rank as u32)?.dyn_into().ok()
}
