// Tether's helper for @microsoft/signalr browser clients: it tells a bridged hub which page the user is on, so hub
// methods see that page's path and query in Request.Path and Request.Query, as an HTTP request from it would.
//   const connection = new signalR.HubConnectionBuilder().withUrl(tether.withLocation("/hubs/shop")).build();
//   tether.track(connection);       // also redeems the cookies that hub calls set
//   tether.onSignedOut(connection, () => showSignedOut());   // the sign-in was revoked (signed out in another tab)
(function () {
    "use strict";
    const queryKey = "tether-location"; // WireNames.LocationQueryKey (src/Tether/SignalR/WireNames.cs)
    const here = () => location.pathname + location.search;

    // The location at connect time travels in the handshake's query string.
    function withLocation(url) {
        return url + (url.indexOf("?") >= 0 ? "&" : "?") + queryKey + "=" + encodeURIComponent(here());
    }

    // Later navigations (history API, back/forward, Blazor's enhanced navigation) are reported as they happen. A report
    // that could not be sent (not connected) or failed is sent again before the connection's next call, and on reconnect.
    function track(connection) {
        let reported = here();
        const report = () => {
            const now = here();
            if (now === reported || connection.state !== "Connected") {
                return;
            }
            reported = now;
            connection.invoke("tether:location", now).catch(() => { // WireNames.Location
                if (reported === now) {
                    reported = null;
                }
            });
        };
        for (const name of ["pushState", "replaceState"]) {
            const original = history[name];
            history[name] = function () {
                const result = original.apply(this, arguments);
                report();
                return result;
            };
        }
        window.addEventListener("popstate", report);
        // Hub messages are handled in the order they are sent, so a report sent just before a call applies to it.
        for (const name of ["invoke", "send", "stream"]) {
            const original = connection[name];
            connection[name] = function (method) {
                if (method !== "tether:location") { // WireNames.Location
                    report();
                }
                return original.apply(this, arguments);
            };
        }
        connection.on("tether:cookies", (url, id) => redeemCookies(url, id)); // WireNames.Cookies
        connection.onreconnected(() => {
            reported = null;
            report();
        });
        return connection;
    }

    // Cookies a hub call set (a new session, a sign-in, a renewed ticket) reach the browser through a one-time id the
    // hub sends as "tether:cookies"; the browser redeems it with a same-origin POST whose response sets them, HttpOnly
    // ones included. One queue per page, shared with Tether.lib.module.js (Blazor's initializer), whichever loads first:
    // redemptions and resyncs run one at a time, in order, so the newer cookie is the one that stays.
    const current = window.tether;
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
                console.warn("Tether: the server refused the cookies of a hub call (" + response.status + ").");
            }
        }, error => console.warn("Tether: the cookies of a hub call could not be redeemed.", error)));
    }

    // The server calls "tether:signedout" when the connection's sign-in was revoked, then closes the connection unless the
    // app keeps it open as anonymous.
    function onSignedOut(connection, handler) {
        connection.on("tether:signedout", handler); // WireNames.SignedOut
        return connection;
    }

    window.tether = Object.freeze(Object.assign({ redeemCookies }, current, { withLocation, track, enqueue, onSignedOut }));
})();
