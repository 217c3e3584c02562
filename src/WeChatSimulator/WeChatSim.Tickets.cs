using WeChatSimulator.Internal;

namespace WeChatSimulator;

public sealed partial class WeChatSim
{
    /// <summary>Ticket types of <c>/cgi-bin/ticket/getticket</c>; counter names are <c>ticket_</c> + type.</summary>
    internal static readonly string[] TicketTypes = ["jsapi", "wx_card"];

    /// <summary>
    /// <c>GET /cgi-bin/ticket/getticket</c>: validates the access token like any business API, then issues a
    /// new ticket of <paramref name="type"/> (missing: jsapi; unknown: 40097) with a full lifetime.
    /// </summary>
    internal TokenReply RequestTicket(string? accessToken, string? type)
    {
        type = string.IsNullOrEmpty(type) ? "jsapi" : type;
        var record = FindToken(accessToken);
        var counterName = "ticket_" + type;
        _counters.Call(record?.AppId ?? string.Empty, counterName);
        if (record is null)
        {
            return TokenReply.Error(WeChatErrors.InvalidAccessToken);
        }

        var check = record.Check(Time.GetUtcNow());
        if (check != 0)
        {
            return TokenReply.Error(check);
        }

        if (!TicketTypes.Contains(type, StringComparer.Ordinal))
        {
            return TokenReply.Error(WeChatErrors.InvalidArgs);
        }

        _counters.Issued(record.AppId, counterName);
        return TokenReply.Success(TokenGenerator.NewTicket(), (int)Options.TicketLifetime.TotalSeconds);
    }

    /// <summary>The validating business API <c>GET /cgi-bin/get_api_domain_ip</c>: 0 when the token works.</summary>
    internal int CheckBusinessCall(string? accessToken, string endpoint)
    {
        var record = FindToken(accessToken);
        _counters.Call(record?.AppId ?? string.Empty, endpoint);
        return record is null ? WeChatErrors.InvalidAccessToken : record.Check(Time.GetUtcNow());
    }
}
