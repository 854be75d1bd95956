using System.Globalization;

namespace Shop;

/// <summary>
/// The shop's prices are in US dollars; only their formatting follows the culture (digit grouping, decimal separator,
/// where the symbol goes): "$1,234.50", "1 234,50 $", "1.234,50 $".
/// </summary>
public static class Money
{
    public static string Format(decimal amount)
    {
        var format = (NumberFormatInfo)CultureInfo.CurrentCulture.NumberFormat.Clone();
        format.CurrencySymbol = "$";
        return amount.ToString("C", format);
    }
}
