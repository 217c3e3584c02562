using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Operations;

/// <summary>Reads <c>/status.json?q=&amp;state=&amp;page=&amp;size=</c>; null when a parameter is malformed.</summary>
internal static class StatusQueryParser
{
    public const int DefaultSize = 50;
    public const int MaxSize = 500;

    public const string Usage =
        "status.json parameters: q (text in the app id, component or kind), state (all, problems, valid, failing, expiring, no_token, needs_reauthorization), page (1 or more), size (1 to 500, default 50)\n";

    public static StatusQuery? Parse(IQueryCollection query)
    {
        var text = query["q"].ToString().Trim();
        if (text.Length > 64)
        {
            return null;
        }

        KeyHealth? health = null;
        var problems = false;
        switch (query["state"].ToString())
        {
            case "" or "all": break;
            case "problems": problems = true; break;
            case "valid": health = KeyHealth.Valid; break;
            case "failing": health = KeyHealth.Failing; break;
            case "expiring": health = KeyHealth.Expiring; break;
            case "no_token": health = KeyHealth.NoToken; break;
            case "needs_reauthorization": health = KeyHealth.NeedsReauthorization; break;
            default: return null;
        }

        if (!TryInt(query["page"].ToString(), 1, 1, int.MaxValue / MaxSize, out var page) || !TryInt(query["size"].ToString(), DefaultSize, 1, MaxSize, out var size))
        {
            return null;
        }

        return new StatusQuery(text.Length > 0 ? text : null, health, problems, (page - 1) * size, size);
    }

    private static bool TryInt(string value, int fallback, int min, int max, out int result)
    {
        if (value.Length == 0)
        {
            result = fallback;
            return true;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
    }
}
