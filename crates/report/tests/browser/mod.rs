//! The HTML report in headless Chromium (Debian's `chromium`): it renders
//! without console errors, its findings table has one row per finding,
//! its columns sort, and a screenshot is saved for people to look at.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::support::{fixture, hostile_case, render, Case};
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Page;
use headless_chrome::types::PrintToPdfOptions;
use headless_chrome::{Browser, LaunchOptions, Tab};
use medsec_report::Format;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(test: &str) -> Option<PathBuf> {
    let p = PathBuf::from(CHROMIUM);
    if p.is_file() {
        Some(p)
    } else {
        medsec_testdata::say_skipped(test, "chromium not installed (apt-get install chromium)");
        None
    }
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("medsec-report");
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct OpenPage {
    // Chromium runs as long as this lives.
    _browser: Browser,
    tab: Arc<Tab>,
    errors: Arc<Mutex<Vec<String>>>,
}

/// Opens `file` in a fresh headless Chromium and collects every
/// exception, console error and error log entry.
fn open(chromium: &Path, profile: &Path, file: &Path, width: u32, height: u32) -> OpenPage {
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let _ = std::fs::remove_dir_all(profile);
    let options = LaunchOptions::default_builder()
        .path(Some(chromium.to_path_buf()))
        .headless(true)
        .sandbox(false)
        .window_size(Some((width, height)))
        .user_data_dir(Some(profile.to_path_buf()))
        .args(args)
        .build()
        .expect("launch options");
    let browser = Browser::new(options).expect("chromium starts");
    let tab = browser.new_tab().expect("a tab");
    let errors = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&errors);
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let msg = match event {
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {:?}", e.params.exception_details))
            }
            Event::RuntimeConsoleAPICalled(e) => {
                let kind = format!("{:?}", e.params.Type);
                (kind == "Error" || kind == "Assert")
                    .then(|| format!("console.{kind}: {:?}", e.params.args))
            }
            Event::LogEntryAdded(e) => {
                let level = format!("{:?}", e.params.entry.level);
                (level == "Error").then(|| format!("log {level}: {}", e.params.entry.text))
            }
            _ => None,
        };
        if let Some(m) = msg {
            sink.lock().unwrap().push(m);
        }
    }))
    .expect("listener");
    tab.enable_log().expect("Log domain");
    tab.enable_runtime().expect("Runtime domain");
    let url = format!("file://{}", file.display());
    tab.navigate_to(&url)
        .and_then(|t| t.wait_until_navigated())
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    OpenPage {
        _browser: browser,
        tab,
        errors,
    }
}

fn eval_u64(tab: &Tab, js: &str) -> u64 {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .value
        .and_then(|v| v.as_u64())
        .unwrap_or_else(|| panic!("{js}: not a number"))
}

fn eval_string(tab: &Tab, js: &str) -> String {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .value
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{js}: not a string"))
}

/// A PNG of the page from the top, as tall as the document but no taller
/// than the viewport.
fn screenshot(tab: &Tab, width: u32, window_height: u32, path: &Path) {
    let height = eval_u64(
        tab,
        "Math.min(document.documentElement.scrollHeight, window.innerHeight)",
    )
    .min(window_height as u64);
    let clip = Page::Viewport {
        x: 0.0,
        y: 0.0,
        width: width as f64,
        height: height as f64,
        scale: 1.0,
    };
    let png = tab
        .capture_screenshot(
            Page::CaptureScreenshotFormatOption::Png,
            None,
            Some(clip),
            true,
        )
        .expect("screenshot");
    std::fs::write(path, png).unwrap();
    eprintln!("screenshot: {} ({width}x{height})", path.display());
}

fn click(tab: &Tab, selector: &str) {
    let e = tab
        .find_element(selector)
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
    e.click()
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

const ROWS: &str = "document.querySelectorAll('#findings-table > tbody > tr').length";

#[test]
fn html_report_renders_in_chromium_with_one_row_per_finding() {
    let test = "html_report_renders_in_chromium_with_one_row_per_finding";
    let Some(f) = fixture(test) else { return };
    let Some(chromium) = chromium(test) else {
        return;
    };
    let dir = out_dir();
    let (width, height) = (1400, 2400);
    for case in &f.cases {
        check_page(&chromium, &dir, case, width, height);
    }
    // Markup in component names and the file name stays text.
    let hostile = hostile_case(f);
    let page = check_page(&chromium, &dir, &hostile, width, height);
    assert_eq!(
        eval_u64(&page.tab, "document.querySelectorAll('img').length"),
        0
    );
}

fn check_page(chromium: &Path, dir: &Path, case: &Case, width: u32, height: u32) -> OpenPage {
    let stem = Path::new(&case.name)
        .file_name()
        .map(|n| n.to_string_lossy().replace(".json", "").replace(".gz", ""))
        .filter(|s| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
        .unwrap_or_else(|| "hostile".to_owned());
    let html = dir.join(format!("{stem}.html"));
    std::fs::write(&html, render(case, Format::Html)).unwrap();
    let page = open(chromium, &dir.join("profile"), &html, width, height);
    let tab = &page.tab;
    let findings = case.analysis.findings.len() as u64;
    let rows = eval_u64(tab, ROWS);
    assert_eq!(rows, findings, "{}: table rows", case.name);
    let coverage_rows = eval_u64(
        tab,
        "document.querySelectorAll('#coverage-table > tbody > tr').length",
    );
    assert_eq!(
        coverage_rows as usize,
        case.sbom.components.len(),
        "{}",
        case.name
    );
    assert_eq!(
        eval_u64(tab, "document.querySelectorAll('figure.chart svg').length"),
        2
    );
    let licence_rows = eval_u64(
        tab,
        "document.querySelectorAll('#licence-issues > tbody > tr').length",
    );
    assert_eq!(
        licence_rows as usize,
        case.analysis.licences.components.len(),
        "{}: one row per component with licence issues",
        case.name
    );
    if findings > 1 {
        // Sorting by vulnerability id puts the rows in id order.
        click(tab, "#findings-table thead th:nth-child(3)");
        let ids = eval_string(
            tab,
            "JSON.stringify([...document.querySelectorAll('#findings-table > tbody > tr > td:nth-child(3) > a')].map(a => a.textContent))",
        );
        let ids: Vec<String> = serde_json::from_str(&ids).unwrap();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|s| s.to_lowercase());
        assert_eq!(ids, sorted, "{}: sorted by id", case.name);
        assert_eq!(ids.len() as u64, findings);
        // And back to priority order for the screenshot.
        click(tab, "#findings-table thead th:nth-child(1)");
    }
    screenshot(tab, width, height, &dir.join(format!("{stem}.png")));
    if case.name.contains("medical") {
        // The print stylesheet (A4 landscape) lays the report out as a PDF.
        let options = PrintToPdfOptions {
            prefer_css_page_size: Some(true),
            print_background: Some(true),
            ..PrintToPdfOptions::default()
        };
        let pdf = tab.print_to_pdf(Some(options)).expect("print to PDF");
        assert!(pdf.starts_with(b"%PDF-"), "{}: not a PDF", case.name);
        let path = dir.join(format!("{stem}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        eprintln!("printed: {} ({} bytes)", path.display(), pdf.len());
    }
    let errors = page.errors.lock().unwrap().clone();
    assert!(
        errors.is_empty(),
        "{}: console errors: {errors:#?}",
        case.name
    );
    eprintln!(
        "{}: {rows} rows for {findings} findings, no console errors",
        case.name
    );
    page
}

/// The error collection itself is checked: a page that throws and logs an
/// error is caught.
#[test]
fn console_errors_are_caught() {
    let test = "console_errors_are_caught";
    let Some(chromium) = chromium(test) else {
        return;
    };
    let dir = out_dir();
    let page = dir.join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('logged'); missingFunction();</script></body></html>",
    )
    .unwrap();
    let p = open(&chromium, &dir.join("profile-broken"), &page, 800, 600);
    // Events arrive asynchronously; wait briefly for both.
    for _ in 0..50 {
        if p.errors.lock().unwrap().len() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let errors = p.errors.lock().unwrap().clone();
    assert!(errors.iter().any(|e| e.contains("logged")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("missingFunction")),
        "{errors:?}"
    );
}
