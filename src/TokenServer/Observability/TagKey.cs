namespace TokenCenter.Server.Observability;

/// <summary>
/// The raw tags of one measurement (up to <see cref="MaxTags"/>), compared by key and value: a cache key
/// that spares a hot instrument the per-measurement work of building its <see cref="MetricSeries"/>
/// (label sanitizing, sorting, joining). Tag values are compared with <see cref="object.Equals(object?, object?)"/>,
/// which holds for the strings, numbers and booleans the instruments of this server use.
/// </summary>
internal readonly struct TagKey : IEquatable<TagKey>
{
    public const int MaxTags = 3;

    private readonly KeyValuePair<string, object?> _t0;
    private readonly KeyValuePair<string, object?> _t1;
    private readonly KeyValuePair<string, object?> _t2;
    private readonly int _count;
    private readonly int _hash;

    private TagKey(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        _count = tags.Length;
        var hash = new HashCode();
        hash.Add(_count);
        for (var i = 0; i < tags.Length; i++)
        {
            hash.Add(tags[i].Key, StringComparer.Ordinal);
            hash.Add(tags[i].Value);
        }

        _t0 = tags.Length > 0 ? tags[0] : default;
        _t1 = tags.Length > 1 ? tags[1] : default;
        _t2 = tags.Length > 2 ? tags[2] : default;
        _hash = hash.ToHashCode();
    }

    /// <summary>False when there are more tags than the key holds (the caller takes the slow path).</summary>
    public static bool TryCreate(ReadOnlySpan<KeyValuePair<string, object?>> tags, out TagKey key)
    {
        if (tags.Length > MaxTags)
        {
            key = default;
            return false;
        }

        key = new TagKey(tags);
        return true;
    }

    public bool Equals(TagKey other) =>
        _hash == other._hash && _count == other._count && Same(_t0, other._t0) && Same(_t1, other._t1) && Same(_t2, other._t2);

    public override bool Equals(object? obj) => obj is TagKey other && Equals(other);

    public override int GetHashCode() => _hash;

    private static bool Same(KeyValuePair<string, object?> a, KeyValuePair<string, object?> b) =>
        string.Equals(a.Key, b.Key, StringComparison.Ordinal) && Equals(a.Value, b.Value);
}
