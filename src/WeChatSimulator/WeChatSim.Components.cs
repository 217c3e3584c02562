using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;
using WeChatSimulator.Internal;

namespace WeChatSimulator;

public sealed partial class WeChatSim
{
    /// <summary>Counter name of <c>POST /cgi-bin/component/api_component_token</c>, per component appid.</summary>
    public const string ComponentTokenEndpoint = "api_component_token";

    /// <summary>Counter name of <c>POST /cgi-bin/component/api_start_push_ticket</c>, per component appid.</summary>
    public const string StartPushTicketEndpoint = "api_start_push_ticket";

    /// <summary>Counter name of <c>POST /cgi-bin/component/api_create_preauthcode</c>, per component appid (issued: pre_auth_codes).</summary>
    public const string CreatePreAuthCodeEndpoint = "api_create_preauthcode";

    /// <summary>Counter name of <c>POST /cgi-bin/component/api_query_auth</c>, per component appid (issued: authorizer access tokens).</summary>
    public const string QueryAuthEndpoint = "api_query_auth";

    /// <summary>Counter name of <c>POST /cgi-bin/component/api_authorizer_token</c>, per AUTHORIZER appid (issued: authorizer access tokens).</summary>
    public const string AuthorizerTokenEndpoint = "api_authorizer_token";

    /// <summary>Counter name of ticket pushes, per component appid: calls = posts to the callback URL, issued = tickets generated.</summary>
    public const string VerifyTicketCounter = "component_verify_ticket";

    private readonly ConcurrentDictionary<string, ComponentState> _components = new(StringComparer.Ordinal);
    private readonly TokenRegistry _componentTokens = new();

    /// <summary>The third-party platforms currently known.</summary>
    public IReadOnlyList<SimulatedComponent> Components =>
        [.. _components.Values.Select(c => c.Component).OrderBy(c => c.ComponentAppId, StringComparer.Ordinal)];

    /// <summary>Adds a component, or replaces the configuration of a known one (its tickets, tokens and authorizers stay).</summary>
    public void AddComponent(SimulatedComponent component)
    {
        SimulatorOptions.ValidateComponent(component);
        var state = _components.GetOrAdd(component.ComponentAppId, _ => new ComponentState(component, Options));
        lock (state.Gate)
        {
            state.Component = component;
        }
    }

    /// <summary>Sets (or clears) the URL tickets and authorization events are posted to, e.g. once the server's port is known.</summary>
    /// <exception cref="InvalidOperationException">The component is unknown.</exception>
    public void SetComponentCallback(string componentAppId, Uri? callbackUrl)
    {
        var state = Component(componentAppId);
        lock (state.Gate)
        {
            var changed = state.Component with { CallbackUrl = callbackUrl };
            SimulatorOptions.ValidateComponent(changed);
            state.Component = changed;
        }
    }

    /// <summary>The most recently pushed component_verify_ticket of the component, or null before the first push.</summary>
    public string? LatestVerifyTicket(string componentAppId)
    {
        var state = Component(componentAppId);
        lock (state.Gate)
        {
            return state.LatestVerifyTicket;
        }
    }

    /// <summary>Whether the authorizer has currently authorized the component.</summary>
    public bool IsAuthorized(string componentAppId, string authorizerAppId)
    {
        var state = Component(componentAppId);
        lock (state.Gate)
        {
            return state.Authorizers.TryGetValue(authorizerAppId, out var a) && a.Authorized;
        }
    }

    /// <summary>
    /// The check of a component_access_token: the owning component appid and <paramref name="errcode"/> 0 when it
    /// works now; otherwise null and 40014, 40001 or 42001 as for access tokens.
    /// </summary>
    public string? ValidateComponentAccessToken(string token, out int errcode)
    {
        var record = _componentTokens.Find(token);
        if (record is null)
        {
            errcode = WeChatErrors.InvalidAccessToken;
            return null;
        }

        errcode = record.Check(Time.GetUtcNow());
        return errcode == 0 ? record.AppId : null;
    }

    /// <summary>Generates a new component_verify_ticket (the driver then posts it) and returns the event to post.</summary>
    internal ComponentEvent NewVerifyTicket(string componentAppId)
    {
        var state = Component(componentAppId);
        var ticket = TokenGenerator.NewVerifyTicket();
        ComponentEvent pushed;
        lock (state.Gate)
        {
            var now = Time.GetUtcNow();
            state.VerifyTickets[ticket] = now;
            state.LatestVerifyTicket = ticket;
            pushed = Event(state.Component, "component_verify_ticket", now, new XElement("ComponentVerifyTicket", new XCData(ticket)));
        }

        _counters.Issued(componentAppId, VerifyTicketCounter);
        return pushed;
    }

    /// <summary>
    /// The account <paramref name="authorizerAppId"/> (re)authorizes the component: an authorization code is created
    /// (consuming <paramref name="preAuthCode"/>, or a fresh one when null) and the <c>authorized</c> or
    /// <c>updateauthorized</c> event is returned for posting.
    /// </summary>
    internal (ComponentEvent Event, string Code) Authorize(string componentAppId, string authorizerAppId, string? preAuthCode, bool update)
    {
        ArgumentException.ThrowIfNullOrEmpty(authorizerAppId);
        var state = Component(componentAppId);
        lock (state.Gate)
        {
            var now = Time.GetUtcNow();
            state.Authorizers.TryGetValue(authorizerAppId, out var authorizer);
            if (update && authorizer?.Authorized != true)
            {
                throw new InvalidOperationException($"{authorizerAppId} has not authorized {componentAppId}; nothing to update.");
            }

            if (preAuthCode is not null)
            {
                if (!state.PreAuthCodes.Remove(preAuthCode, out var expiresAt) || expiresAt <= now)
                {
                    throw new InvalidOperationException($"The pre_auth_code is unknown, used or expired for {componentAppId}.");
                }
            }
            else
            {
                preAuthCode = TokenGenerator.NewPreAuthCode();
            }

            if (authorizer is null)
            {
                authorizer = new AuthorizerState(authorizerAppId);
                state.Authorizers.Add(authorizerAppId, authorizer);
            }

            authorizer.Authorized = true;
            var code = new AuthorizationCode(TokenGenerator.NewAuthorizationCode(), authorizerAppId, now + Options.AuthorizationCodeLifetime);
            state.AuthorizationCodes.Add(code.Code, code);
            var pushed = Event(
                state.Component,
                update ? "updateauthorized" : "authorized",
                now,
                new XElement("AuthorizerAppid", new XCData(authorizerAppId)),
                new XElement("AuthorizationCode", new XCData(code.Code)),
                new XElement("AuthorizationCodeExpiredTime", code.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
                new XElement("PreAuthCode", new XCData(preAuthCode)));
            return (pushed, code.Code);
        }
    }

    /// <summary>
    /// The account unauthorizes the component: its refresh token answers 61023, its access tokens 40001, its
    /// unredeemed codes 61009. Returns the <c>unauthorized</c> event to post.
    /// </summary>
    internal ComponentEvent Unauthorize(string componentAppId, string authorizerAppId)
    {
        var state = Component(componentAppId);
        lock (state.Gate)
        {
            var now = Time.GetUtcNow();
            if (!state.Authorizers.TryGetValue(authorizerAppId, out var authorizer) || !authorizer.Authorized)
            {
                throw new InvalidOperationException($"{authorizerAppId} has not authorized {componentAppId}.");
            }

            authorizer.Revoke(now);
            foreach (var (code, grant) in state.AuthorizationCodes)
            {
                if (string.Equals(grant.AuthorizerAppId, authorizerAppId, StringComparison.Ordinal))
                {
                    state.AuthorizationCodes.Remove(code);
                }
            }

            return Event(state.Component, "unauthorized", now, new XElement("AuthorizerAppid", new XCData(authorizerAppId)));
        }
    }

    internal void CountPush(string componentAppId) => _counters.Call(componentAppId, VerifyTicketCounter);

    /// <summary>The component's current configuration (callback URL, token and key as of now).</summary>
    internal SimulatedComponent CurrentComponent(string componentAppId)
    {
        var state = Component(componentAppId);
        lock (state.Gate)
        {
            return state.Component;
        }
    }

    private ComponentState Component(string componentAppId)
    {
        ArgumentNullException.ThrowIfNull(componentAppId);
        return _components.TryGetValue(componentAppId, out var state)
            ? state
            : throw new InvalidOperationException($"Unknown component {componentAppId}.");
    }

    private static ComponentEvent Event(SimulatedComponent component, string infoType, DateTimeOffset now, params XElement[] fields)
    {
        var xml = new XElement(
            "xml",
            new XElement("AppId", new XCData(component.ComponentAppId)),
            new XElement("CreateTime", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new XElement("InfoType", new XCData(infoType)),
            fields);
        return new ComponentEvent(component.ComponentAppId, infoType, xml.ToString(SaveOptions.DisableFormatting), now);
    }
}
