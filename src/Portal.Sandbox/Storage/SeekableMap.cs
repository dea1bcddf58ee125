using System.Diagnostics.CodeAnalysis;

namespace Portal.Sandbox.Storage;

/// <summary>
/// A map in ordinal key order that can resume after a key in O(log n), which
/// <see cref="SortedDictionary{TKey,TValue}"/>
/// cannot: list continuations seek to where the previous page ended instead of scanning from the start.
/// Not thread-safe; the store guards it with its lock.
/// </summary>
internal sealed class SeekableMap<TValue>
{
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TValue> _values = new(StringComparer.Ordinal);

    public int Count => _values.Count;

    /// <summary>Keys in order.</summary>
    public IEnumerable<string> Keys => _keys;

    /// <summary>Values in key order.</summary>
    public IEnumerable<TValue> Values => From(null).Select(entry => entry.Value);

    /// <summary>Values in no particular order, without walking the tree.</summary>
    public IEnumerable<TValue> UnorderedValues => _values.Values;

    public TValue this[string key]
    {
        get => _values[key];
        set
        {
            if (_values.TryAdd(key, value))
            {
                _keys.Add(key);
                return;
            }
            _values[key] = value;
        }
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value) => _values.TryGetValue(key, out value);

    /// <summary>
    /// Adds a new key; throws when it is already present, as <see cref="Dictionary{TKey,TValue}.Add"/> does.
    /// </summary>
    public void Add(string key, TValue value)
    {
        _values.Add(key, value);
        _keys.Add(key);
    }

    public bool Remove(string key) => _values.Remove(key) && _keys.Remove(key);

    /// <summary>How many keys come after <paramref name="key"/>, present or not.</summary>
    public int CountAfter(string key)
    {
        if (_keys.Count == 0 || string.CompareOrdinal(key, _keys.Max!) >= 0)
        {
            return 0;
        }
        var view = _keys.GetViewBetween(key, _keys.Max!);
        return view.Count - (view.Contains(key) ? 1 : 0);
    }

    /// <summary>
    /// Entries in key order from <paramref name="start"/> (all when null), including it when present and asked to.
    /// </summary>
    public IEnumerable<KeyValuePair<string, TValue>> From(string? start, bool inclusive = false)
    {
        if (_keys.Count == 0)
        {
            yield break;
        }
        IEnumerable<string> keys = _keys;
        if (start is not null)
        {
            var last = _keys.Max!;
            var order = string.CompareOrdinal(start, last);
            if (order > 0 || order == 0 && !inclusive)
            {
                yield break;
            }
            keys = _keys.GetViewBetween(start, last);
        }
        foreach (var key in keys)
        {
            if (!inclusive && key == start)
            {
                continue;
            }
            yield return new KeyValuePair<string, TValue>(key, _values[key]);
        }
    }
}
