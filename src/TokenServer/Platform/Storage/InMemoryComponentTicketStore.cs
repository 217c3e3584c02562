namespace TokenCenter.Server.Platform.Storage;

/// <summary>Tickets of a single replica.</summary>
internal sealed class InMemoryComponentTicketStore(TimeProvider time) : IComponentTicketStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ComponentTicket> _tickets = new(StringComparer.Ordinal);

    public Task<bool> SetAsync(string componentAppId, ComponentTicket ticket, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_tickets.TryGetValue(componentAppId, out var held) && held.CreatedAt > ticket.CreatedAt && held.IsValidAt(time.GetUtcNow()))
            {
                return Task.FromResult(false);
            }

            _tickets[componentAppId] = ticket;
            return Task.FromResult(true);
        }
    }

    public Task<ComponentTicket?> GetAsync(string componentAppId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_tickets.TryGetValue(componentAppId, out var t) && t.IsValidAt(time.GetUtcNow()) ? t : null);
        }
    }

    public Task RejectAsync(string componentAppId, string value, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_tickets.TryGetValue(componentAppId, out var t) && t.Value == value)
            {
                _tickets.Remove(componentAppId);
            }
        }

        return Task.CompletedTask;
    }
}
