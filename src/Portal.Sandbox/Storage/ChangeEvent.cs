namespace Portal.Sandbox.Storage;

public enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One write, as kept in the history ring and pushed to watchers.</summary>
public sealed record ChangeEvent(ChangeType Type, StoredObject Object, StoredObject? Previous)
{
    public long ResourceVersion => Object.ResourceVersion;

    public string WireType =>
        Type switch
        {
            ChangeType.Added => "ADDED",
            ChangeType.Modified => "MODIFIED",
            _ => "DELETED",
        };
}
