using Tether.Components;

namespace Shop.State;

/// <summary>
/// Pattern C: an <see cref="AppState"/>. Its <c>UserName</c> and <c>IsAuthenticated</c> snapshot and the payment status
/// below are refreshed at the start of every circuit event.
/// </summary>
public sealed class BillingState : AppState
{
    public string? LastPaymentStatus { get; private set; }

    public void Pay()
    {
        if (!User.Identity!.IsAuthenticated)
        {
            Redirect("/account/login?returnUrl=%2Fbilling", forceLoad: true);
            return;
        }

        Session.SetString("last_payment_status", "pending");
        LastPaymentStatus = "pending";
        NotifyChanged();
    }

    protected override void OnRefresh(HttpContext context)
    {
        var status = context.Features.Get<Microsoft.AspNetCore.Http.Features.ISessionFeature>()?.Session?.GetString("last_payment_status");
        if (status != LastPaymentStatus)
        {
            LastPaymentStatus = status;
            NotifyChanged();
        }
    }
}
