// Tether's JS initializer: Blazor loads the {PackageId}.lib.module.js of every referenced Razor class library by itself,
// so apps add no script tag. It defines tether.redeemCookies, which the circuit calls after an event that set cookies
// (a new session, a sign-in or sign-out, a renewed ticket): the browser redeems them with a same-origin POST whose
// response carries the real Set-Cookie headers, HttpOnly ones included. tether-signalr.js defines the same function.
// It also resyncs the other way: after an enhanced navigation, when the tab becomes visible again, or when the app calls
// tether.resyncCookies(), a same-origin POST carries the browser's current cookies (a culture or a sign-in set over HTTP
// since the circuit connected) to the circuit, whose next event then sees them.
function install() {
    const current = window.tether;
    if (current && typeof current.setResync === "function") {
        return;
    }

    // One redemption at a time, in the order the server sent them, so the newer cookie is the one that stays.
    let queue = Promise.resolve();
    function redeemCookies(url, id) {
        queue = queue
            .then(() => fetch(url, {
                method: "POST",
                credentials: "same-origin",
                keepalive: true,
                headers: { "Content-Type": "application/x-www-form-urlencoded" },
                body: "id=" + encodeURIComponent(id),
            }))
            .then(response => {
                if (!response.ok) {
                    console.warn("Tether: the server refused the cookies of an event (" + response.status + ").");
                }
            }, error => console.warn("Tether: the cookies of an event could not be redeemed.", error));
    }

    // Where and with which id this page's circuit takes the browser's cookies; set by the circuit when it connects.
    let resync = null;
    function setResync(url, id) {
        resync = { url, id };
    }

    function resyncCookies() {
        if (!resync) {
            return Promise.resolve(false);
        }

        const { url, id } = resync;
        queue = queue
            .then(() => fetch(url, {
                method: "POST",
                credentials: "same-origin",
                headers: { "Content-Type": "application/x-www-form-urlencoded" },
                body: "id=" + encodeURIComponent(id),
            }))
            .then(response => response.ok, () => false);
        return queue;
    }

    document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
            resyncCookies();
        }
    });

    window.tether = Object.freeze(Object.assign({}, current, { redeemCookies, setResync, resyncCookies }));
}

install();

export function beforeWebStart() {
    install();
}

export function beforeStart() {
    install();
}

// An enhanced navigation fetched a page over HTTP, which may have set cookies (a language switch): resync them.
export function afterWebStarted(blazor) {
    blazor.addEventListener("enhancedload", () => window.tether.resyncCookies());
}
