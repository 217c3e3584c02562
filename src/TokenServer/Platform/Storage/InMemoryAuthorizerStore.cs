namespace TokenCenter.Server.Platform.Storage;

/// <summary>Authorizers and the due sets of a single replica (also shared by in-process replicas in tests).</summary>
internal sealed class InMemoryAuthorizerStore : IAuthorizerStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<AuthorizerId, AuthorizerRecord> _records = [];
    private readonly Dictionary<string, SortedSet<string>> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<AuthorizerId, long> _due = [];
    private readonly Dictionary<string, SortedSet<(long Due, string App)>> _queues = new(StringComparer.Ordinal);

    public event Action<AuthorizerId>? AuthorizerRemoved;

    public event Action<AuthorizerId>? AuthorizerAdded;

    public Task SaveAsync(AuthorizerRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        bool added;
        lock (_gate)
        {
            added = Store(record);
        }

        if (added)
        {
            AuthorizerAdded?.Invoke(new(record.ComponentAppId, record.AppId));
        }

        return Task.CompletedTask;
    }

    public Task<bool> TrySaveAsync(AuthorizerRecord record, string expectedEncryptedRefreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        bool added;
        lock (_gate)
        {
            if (!_records.TryGetValue(new(record.ComponentAppId, record.AppId), out var held)
                || !string.Equals(held.EncryptedRefreshToken, expectedEncryptedRefreshToken, StringComparison.Ordinal))
            {
                return Task.FromResult(false);
            }

            added = Store(record);
        }

        if (added)
        {
            AuthorizerAdded?.Invoke(new(record.ComponentAppId, record.AppId));
        }

        return Task.FromResult(true);
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
            if (count <= 0 || !_index.TryGetValue(componentAppId, out var set) || set.Count == 0
                || (afterAppId is not null && string.CompareOrdinal(afterAppId, set.Max) >= 0))
            {
                return Task.FromResult<IReadOnlyList<AuthorizerRecord>>([]); // past the end: an empty page
            }

            var ids = afterAppId is null ? set : set.GetViewBetween(afterAppId, set.Max!);
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
            Enqueue(id, due.UtcTicks);
        }

        return Task.CompletedTask;
    }

    public Task ScheduleIfAbsentAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_due.ContainsKey(id))
            {
                Enqueue(id, due.UtcTicks);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> UnscheduledAsync(string componentAppId, IReadOnlyList<string> appIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appIds);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. appIds.Where(a => !_due.ContainsKey(new(componentAppId, a)))]);
        }
    }

    public Task UnscheduleAsync(AuthorizerId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Unschedule(id);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuthorizerId>> ClaimDueAsync(string componentAppId, DateTimeOffset now, int max, DateTimeOffset hideUntil, CancellationToken cancellationToken)
    {
        var claimed = new List<AuthorizerId>();
        lock (_gate)
        {
            if (!_queues.TryGetValue(componentAppId, out var queue))
            {
                return Task.FromResult<IReadOnlyList<AuthorizerId>>(claimed);
            }

            while (claimed.Count < max && queue.Count > 0 && queue.Min.Due <= now.UtcTicks)
            {
                var first = queue.Min;
                queue.Remove(first);
                var id = new AuthorizerId(componentAppId, first.App);
                _due[id] = hideUntil.UtcTicks;
                queue.Add((hideUntil.UtcTicks, first.App));
                claimed.Add(id);
            }
        }

        return Task.FromResult<IReadOnlyList<AuthorizerId>>(claimed);
    }

    /// <summary>Entries in the due sets (tests and status).</summary>
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

    /// <summary>Stores a record (caller holds the gate). True when the account is new or was waiting for re-authorization.</summary>
    private bool Store(AuthorizerRecord record)
    {
        var added = !record.NeedsReauthorization
            && (!_records.TryGetValue(new(record.ComponentAppId, record.AppId), out var old) || old.NeedsReauthorization);
        _records[new(record.ComponentAppId, record.AppId)] = record;
        if (!_index.TryGetValue(record.ComponentAppId, out var set))
        {
            _index[record.ComponentAppId] = set = new SortedSet<string>(StringComparer.Ordinal);
        }

        set.Add(record.AppId);
        return added;
    }

    private void Enqueue(AuthorizerId id, long due)
    {
        if (!_queues.TryGetValue(id.ComponentAppId, out var queue))
        {
            _queues[id.ComponentAppId] = queue = [];
        }

        _due[id] = due;
        queue.Add((due, id.AppId));
    }

    private void Unschedule(AuthorizerId id)
    {
        if (_due.Remove(id, out var old) && _queues.TryGetValue(id.ComponentAppId, out var queue))
        {
            queue.Remove((old, id.AppId));
        }
    }
}
