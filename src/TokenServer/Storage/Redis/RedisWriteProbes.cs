using System.Collections.Concurrent;
using StackExchange.Redis;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// The keys the readiness write probe writes. One key (<see cref="RedisKeys.Health"/>) on a single
/// Redis or a Sentinel-managed primary; on a Redis Cluster one key per master that serves slots (as
/// the client sees the cluster right now), so that an outage of writes on any master, and so of the
/// token keys whose hash slots it serves, makes readiness fail, not only an outage of the one master
/// that happens to hold the probe key. A master's probe key hashes into the first slot range it
/// serves; the key found for a range is cached (ranges change only when the cluster is resharded).
/// </summary>
/// <remarks>
/// O(masters) writes per readiness check, never per token. The client's own view of the cluster
/// decides which node each probe goes to, exactly as it decides where a token write goes: while the
/// client still routes a failed-over slot to the dead master, the probe fails just as the refresh
/// would, and it succeeds again as soon as token writes to that slot would.
/// </remarks>
internal sealed class RedisWriteProbes(RedisKeys keys)
{
    /// <summary>Upper bound of candidate tags tried for one slot range (a range of one slot needs ~16k on average).</summary>
    private const int MaxCandidates = 1 << 20;

    private readonly ConcurrentDictionary<(int From, int To), RedisKey> _byRange = new();

    /// <summary>Hash slots of a Redis Cluster.</summary>
    public const int ClusterSlots = 16384;

    /// <summary>
    /// The probe keys for the topology <paramref name="multiplexer"/> sees now, and how many hash slots
    /// no master in that view serves (always 0 outside a cluster). A master that failed drops out of
    /// the client's view (the nodes that still answer list it as failed); until a replica is promoted its
    /// slots have no master, and no write to them can succeed.
    /// </summary>
    public (IReadOnlyList<RedisKey> Keys, int UnservedSlots) For(IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        var cluster = ClusterView(multiplexer);
        if (cluster is null)
        {
            return ([keys.Health], 0);
        }

        var probes = new List<RedisKey>();
        var served = 0;
        foreach (var node in cluster.Nodes)
        {
            if (node.IsReplica || node.Slots.Count == 0)
            {
                continue;
            }

            served += node.Slots.Sum(r => r.To - r.From + 1);
            var range = node.Slots[0];
            probes.Add(_byRange.GetOrAdd((range.From, range.To), static (r, state) => Find(state.Multiplexer, state.Keys, r), (Multiplexer: multiplexer, Keys: keys)));
        }

        return (probes.Count == 0 ? [keys.Health] : probes, Math.Max(0, ClusterSlots - served));
    }

    /// <summary>The cluster as a connected node last described it (any node's view when none is connected); null when not a cluster.</summary>
    private static ClusterConfiguration? ClusterView(IConnectionMultiplexer multiplexer)
    {
        ClusterConfiguration? any = null;
        foreach (var server in multiplexer.GetServers())
        {
            if (server.ServerType != ServerType.Cluster || server.ClusterConfiguration is not { } view)
            {
                continue;
            }

            if (server.IsConnected)
            {
                return view;
            }

            any ??= view;
        }

        return any;
    }

    private static RedisKey Find(IConnectionMultiplexer multiplexer, RedisKeys keys, (int From, int To) range)
    {
        for (var candidate = 0; candidate < MaxCandidates; candidate++)
        {
            var key = keys.HealthProbe(candidate);
            var slot = multiplexer.GetHashSlot(key);
            if (slot >= range.From && slot <= range.To)
            {
                return key;
            }
        }

        return keys.Health; // unreachable for a valid range: CRC16 covers every slot long before
    }
}
