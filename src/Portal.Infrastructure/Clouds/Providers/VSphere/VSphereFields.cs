namespace Portal.Infrastructure.Clouds.Providers.VSphere;

/// <summary>The fields of a vSphere account; the vCenter's URL is the account's endpoint.</summary>
public static class VSphereFields
{
    public const string UserName = "UserName";
    public const string Password = "Password";
    public const string Datacenter = "Datacenter";
    public const string Folder = "Folder";
    public const string ResourcePool = "ResourcePool";
    public const string Datastore = "Datastore";
    public const string Sizes = "Sizes";

    public static IReadOnlyList<CloudField> All { get; } =
    [
        new(UserName, "User name", false, true, "A vCenter user, such as svc-portal@vsphere.local."),
        new(Password, "Password", true, true, "The user's password."),
        new(
            Datacenter,
            "Datacenter",
            false,
            false,
            "The datacenter the hosts are placed in, by name; empty for the account's region."
        ),
        new(Folder, "VM folder", false, false, "The VM folder the hosts are placed in, by name; empty for any."),
        new(
            ResourcePool,
            "Resource pool",
            false,
            false,
            "The resource pool the hosts are placed in, by name; empty for the root pool of the template's cluster."
        ),
        new(
            Datastore,
            "Datastore",
            false,
            false,
            "The datastore of the hosts' disks, by name; empty for the template's."
        ),
        new(
            Sizes,
            "Sizes",
            false,
            false,
            "The sizes a host template may ask for, as name=CPUsxMiB separated by commas, such as "
                + "small=2x4096,medium=4x8192. vSphere has no instance types; empty lets a template write CPUsxMiB."
        ),
    ];
}
