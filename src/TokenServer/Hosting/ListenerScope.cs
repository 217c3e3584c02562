using Microsoft.AspNetCore.Routing.Matching;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// Endpoint metadata: the listeners (<see cref="ListenerAddresses.Names"/>) an endpoint is served on.
/// Matched against the port the request arrived on (the bound port, so port-0 listeners work), never
/// the Host header a client chooses.
/// </summary>
internal sealed record ListenerScope(params string[] Listeners);

/// <summary>Drops the candidate endpoints whose <see cref="ListenerScope"/> does not include the request's listener: such a face is absent there (404).</summary>
internal sealed class ListenerScopeMatcherPolicy(ListenerAddresses addresses) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ListenerScope>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var port = httpContext.Connection.LocalPort;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<ListenerScope>() is { } scope && !Serves(scope, port))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    private bool Serves(ListenerScope scope, int port)
    {
        foreach (var name in scope.Listeners)
        {
            if (addresses.BoundPort(name) == port)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>.OnListeners(…)</c> on endpoints and groups.</summary>
internal static class ListenerScopeExtensions
{
    public static TBuilder OnListeners<TBuilder>(this TBuilder builder, params string[] listeners)
        where TBuilder : IEndpointConventionBuilder
    {
        var scope = new ListenerScope(listeners);
        builder.Add(e => e.Metadata.Add(scope));
        return builder;
    }
}
