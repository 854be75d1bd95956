using System.Globalization;
using Tether.SignalR;

namespace Tether.Tests.Localization;

/// <summary>A hub whose calls report the culture they ran in.</summary>
public sealed class CultureHub : AppHub
{
    public string Culture() => CultureInfo.CurrentCulture.Name + "|" + CultureInfo.CurrentUICulture.Name;

    /// <summary>Sets a culture itself, as careless handler code might: it must not outlive the call.</summary>
    public string SetCultureItself(string name)
    {
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);
        return CultureInfo.CurrentCulture.Name;
    }
}
