using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    /// <summary>
    /// The current token of <paramref name="key"/> (as soon as one is held), then every newer version
    /// as it is adopted. Versions only grow; intermediate versions may be skipped when the reader is slow
    /// (only the latest matters). Ends when <paramref name="cancellationToken"/> fires or the engine stops.
    /// </summary>
    /// <exception cref="UnknownTokenKeyException">The key is not configured (thrown at once, before enumeration).</exception>
    public IAsyncEnumerable<TokenCenter.V1.Token> WatchAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        var slot = Slot(key);
        return WatchSlotAsync(slot, cancellationToken);
    }

    private static async IAsyncEnumerable<TokenCenter.V1.Token> WatchSlotAsync(TokenSlot slot, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<TokenCenter.V1.Token>(new BoundedChannelOptions(4)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        var current = slot.Subscribe(channel.Writer);
        try
        {
            long last = 0;
            if (current is not null)
            {
                last = current.Token.Version;
                yield return current.Message;
            }

            await foreach (var token in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (token.Version > last)
                {
                    last = token.Version;
                    yield return token;
                }
            }
        }
        finally
        {
            slot.Unsubscribe(channel.Writer);
        }
    }
}
