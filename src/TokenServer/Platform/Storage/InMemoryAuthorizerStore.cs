namespace TokenCenter.Server.Platform.Storage;

/// <summary>Authorizers and the due set of a single replica (also shared by in-process replicas in tests).</summary>
internal sealed class InMemoryAuthorizerStore : IAuthorizerStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<AuthorizerId, AuthorizerRecord> _records = [];
    private readonly Dictionary<string, SortedSet<string>> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<AuthorizerId, long> _due = [];
    private readonly SortedSet<(long Due, string Component, string App)> _queue = [];

    public event Action<AuthorizerId>? AuthorizerRemoved;

    public event Action<AuthorizerId>? AuthorizerAdded;

    public Task SaveAsync(AuthorizerRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        bool added;
        lock (_gate)
        {
            added = !record.NeedsReauthorization
                && (!_records.TryGetValue(new(record.ComponentAppId, record.AppId), out var old) || old.NeedsReauthorization);
            _records[new(record.ComponentAppId, record.AppId)] = record;
            if (!_index.TryGetValue(record.ComponentAppId, out var set))
            {
                _index[record.ComponentAppId] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.Add(record.AppId);
        }

        if (added)
        {
            AuthorizerAdded?.Invoke(new(record.ComponentAppId, record.AppId));
        }

        return Task.CompletedTask;
    }

    public Task<AuthorizerRecord?> GetAsync(string componentAppId, string appId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_records.GetValueOrDefault(new(componentAppId, appId)));
        }
    }

    public Task<bool> RemoveAsync(string componentAppId, string appId, CancellationToken cancellationToken)
    {
        var id = new AuthorizerId(componentAppId, appId);
        bool removed;
        lock (_gate)
        {
            removed = _records.Remove(id);
            if (_index.TryGetValue(componentAppId, out var set))
            {
                set.Remove(appId);
            }

            Unschedule(id);
        }

        AuthorizerRemoved?.Invoke(id);
        return Task.FromResult(removed);
    }

    public Task<IReadOnlyList<AuthorizerRecord>> ListAsync(string componentAppId, string? afterAppId, int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_index.TryGetValue(componentAppId, out var set))
            {
                return Task.FromResult<IReadOnlyList<AuthorizerRecord>>([]);
            }

            var ids = afterAppId is null ? set : set.GetViewBetween(afterAppId, set.Max ?? afterAppId);
            IReadOnlyList<AuthorizerRecord> page = [.. ids.Where(a => afterAppId is null || string.CompareOrdinal(a, afterAppId) > 0)
                .Take(count).Select(a => _records[new(componentAppId, a)])];
            return Task.FromResult(page);
        }
    }

    public Task ScheduleAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Unschedule(id);
            _due[id] = due.UtcTicks;
            _queue.Add((due.UtcTicks, id.ComponentAppId, id.AppId));
        }

        return Task.CompletedTask;
    }

    public Task UnscheduleAsync(AuthorizerId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Unschedule(id);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuthorizerId>> ClaimDueAsync(DateTimeOffset now, int max, DateTimeOffset hideUntil, CancellationToken cancellationToken)
    {
        var claimed = new List<AuthorizerId>();
        lock (_gate)
        {
            while (claimed.Count < max && _queue.Count > 0 && _queue.Min.Due <= now.UtcTicks)
            {
                var first = _queue.Min;
                _queue.Remove(first);
                var id = new AuthorizerId(first.Component, first.App);
                _due[id] = hideUntil.UtcTicks;
                _queue.Add((hideUntil.UtcTicks, first.Component, first.App));
                claimed.Add(id);
            }
        }

        return Task.FromResult<IReadOnlyList<AuthorizerId>>(claimed);
    }

    /// <summary>Entries in the due set (tests and status).</summary>
    internal int ScheduledCount
    {
        get
        {
            lock (_gate)
            {
                return _due.Count;
            }
        }
    }

    private void Unschedule(AuthorizerId id)
    {
        if (_due.Remove(id, out var old))
        {
            _queue.Remove((old, id.ComponentAppId, id.AppId));
        }
    }
}
