using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TokenCenter.Client.Internal;

internal sealed partial class TokenCenterClient
{
    public async IAsyncEnumerable<TokenInfo> WatchAsync(TokenKey key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Makes the key known (and pushed) and fails early for an unknown key.
        await GetTokenAsync(key, cancellationToken).ConfigureAwait(false);
        var slot = SlotOf(key);
        var channel = Channel.CreateBounded<TokenInfo>(new BoundedChannelOptions(4)
        {
            FullMode = BoundedChannelFullMode.DropOldest, // only the latest token matters
            SingleReader = true,
        });
        var current = slot.Subscribe(channel.Writer);
        try
        {
            long last = 0;
            if (current is not null)
            {
                last = current.Version;
                yield return current;
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
