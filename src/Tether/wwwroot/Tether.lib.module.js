// Tether's JS initializer: Blazor loads the {PackageId}.lib.module.js of every referenced Razor class library by itself,
// so apps add no script tag. It defines tether.redeemCookies, which the circuit calls after an event that set cookies
// (a new session, a sign-in or sign-out, a renewed ticket): the browser redeems them with a same-origin POST whose
// response carries the real Set-Cookie headers, HttpOnly ones included. tether-signalr.js defines the same function.
// It also resyncs the other way: after an enhanced navigation, when the tab becomes visible again, or when the app calls
// tether.resyncCookies(), a same-origin POST carries the browser's current cookies (a culture or a sign-in set over HTTP
// since the circuit connected) to the circuit, whose next event then sees them.
// After every enhanced load it also reports the URL the page shows to its circuit, over the circuit itself, so that the
// next click runs at it: after a redirect, Blazor's own location is still the one from before it (dotnet/aspnetcore#60836).
function install() {
    const current = window.tether;
    if (current && typeof current.setCircuit === "function") {
        return;
    }

    // One queue per page, shared with tether-signalr.js whichever loads first: redemptions and resyncs run one at a time,
    // in the order the server sent them, so the newer cookie is the one that stays.
    const enqueue = current && typeof current.enqueue === "function" ? current.enqueue : (function () {
        let queue = Promise.resolve();
        return function (task) {
            const next = queue.then(task);
            queue = next.catch(() => { });
            return next;
        };
    })();

    function redeemCookies(url, id) {
        return enqueue(() => fetch(url, {
            method: "POST",
            credentials: "same-origin",
            keepalive: true,
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: "id=" + encodeURIComponent(id),
        }).then(response => {
            if (!response.ok) {
                console.warn("Tether: the server refused the cookies of an event (" + response.status + ").");
            }
        }, error => console.warn("Tether: the cookies of an event could not be redeemed.", error)));
    }

    // Where and with which id this page's circuit takes the browser's cookies (none when the app turned the handoff off),
    // and the circuit's object that takes the page's URL; set by the circuit whenever it connects.
    let resync = null;
    let locator = null;
    function setCircuit(url, id, reporter) {
        resync = url && id ? { url, id } : null;
        locator = reporter || null;
    }

    // Sent on the circuit's own connection, so it reaches the circuit before any later event of the page.
    function reportLocation() {
        if (locator) {
            locator.invokeMethodAsync("Tether.ReportLocation", location.href).catch(() => { });
        }
    }

    function resyncCookies() {
        if (!resync) {
            return Promise.resolve(false);
        }

        const { url, id } = resync;
        return enqueue(() => fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: "id=" + encodeURIComponent(id),
        }).then(response => response.ok, () => false));
    }

    document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
            resyncCookies();
        }
    });

    // A redeemCookies that tether-signalr.js defined first is kept (both post on the one queue), as that script keeps this one's.
    window.tether = Object.freeze(Object.assign({ redeemCookies }, current, { enqueue, setCircuit, reportLocation, resyncCookies }));
}

install();

export function beforeWebStart() {
    install();
}

export function beforeStart() {
    install();
}

// An enhanced navigation fetched a page over HTTP, which may have ended in a redirect and set cookies (a language
// switch): tell the circuit where the page is now, then resync the cookies.
export function afterWebStarted(blazor) {
    blazor.addEventListener("enhancedload", () => {
        window.tether.reportLocation();
        window.tether.resyncCookies();
    });
}
