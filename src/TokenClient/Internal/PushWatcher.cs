using Microsoft.Extensions.Logging;
using Grpc.Core;

namespace TokenCenter.Client.Internal;

/// <summary>
/// One multiplexed WatchTokens stream (the generated Grpc.Net.Client client) for every key the client knows. When a key is added the stream
/// is restarted with the new set (the server sends current values first, so nothing is missed). When
/// the stream is lost, <see cref="IsLive"/> turns false (readers fall back to GetToken) and the stream
/// is reopened on the next address; after every address failed, with exponential backoff and jitter.
/// </summary>
internal sealed class PushWatcher : IAsyncDisposable
{
    private readonly ServerPool _servers;
    private readonly Action<TokenInfo> _onToken;
    private readonly TokenCenterClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<TokenKey> _keys = [];
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource? _stream;
    private int _keysVersion;
    private Task? _loop;
    private volatile bool _live;

    public PushWatcher(ServerPool servers, Action<TokenInfo> onToken, TokenCenterClientOptions options, TimeProvider time, ILogger logger)
    {
        _servers = servers;
        _onToken = onToken;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether a stream is delivering pushes now (cached tokens are then current).</summary>
    public bool IsLive => _live;

    /// <summary>Adds <paramref name="key"/> to the watched set (restarting the stream) unless already watched.</summary>
    public void Track(TokenKey key)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested || !_keys.Add(key))
            {
                return;
            }

            _keysVersion++;
            _stream?.Cancel();
            _loop ??= Task.Run(RunAsync);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var failures = 0;
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            V1.WatchTokensRequest request;
            int version;
            using var stream = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            lock (_gate)
            {
                request = new V1.WatchTokensRequest();
                request.Keys.AddRange(_keys.Select(k => k.ToProto()));
                version = _keysVersion;
                _stream = stream;
            }

            var server = _servers.NextForStream();
            var received = false;
            string? lost = null;
            try
            {
                using var call = server.Client.WatchTokens(request, _servers.StreamOptions(stream.Token));
                await foreach (var token in call.ResponseStream.ReadAllAsync(stream.Token).ConfigureAwait(false))
                {
                    if (!received)
                    {
                        received = true;
                        failures = 0;
                        _servers.MarkUp(server);
                        _live = true;
                        ClientLog.StreamConnected(_logger, server.Address, request.Keys.Count);
                    }

                    _onToken(token.ToInfo(ProtoMapping.FromProto(token.Key)));
                }

                lost = "the server ended the stream";
            }
            catch (Exception) when (stream.IsCancellationRequested)
            {
                // Stopping, or the key set changed: restart at once with the new set.
            }
            catch (RpcException ex)
            {
                lost = $"{ex.StatusCode}: {ex.Status.Detail}";
            }
            catch (Exception ex)
            {
                // The loop never dies on one failure: log, back off, reconnect.
                lost = $"{ex.GetType().Name}: {ex.Message}";
            }
            finally
            {
                lock (_gate)
                {
                    _stream = null;
                }
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            if (lost is null && Volatile.Read(ref _keysVersion) != version)
            {
                continue;
            }

            _live = false;
            _servers.MarkDown(server);
            failures = received ? 1 : failures + 1;

            // Try every other address at once before backing off.
            var delay = failures < _servers.Count
                ? TimeSpan.Zero
                : Backoff.Delay(failures - _servers.Count + 1, _options.ReconnectBaseDelay, _options.ReconnectMaxDelay, Random.Shared);
            ClientLog.StreamLost(_logger, server.Address, lost ?? "cancelled", delay);
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _live = false;
    }
}
