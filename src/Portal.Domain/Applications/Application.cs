using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Applications;

/// <summary>
/// A tenant's application: its name, what it is for, who owns it, and the working spec that the next deploy takes.
/// What runs where is kept per environment (<see cref="AppDeployment"/>), and every deploy freezes a spec into a
/// numbered <see cref="Revision"/>. The spec is stored sealed (secret values encrypted) and read through the
/// infrastructure, so this type keeps it as text it does not interpret.
/// </summary>
public sealed class Application : ITenantOwned
{
    public const int DescriptionMaxLength = 500;
    public const int OwnerMaxLength = 256;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public string Description { get; private set; } = "";
    public string Owner { get; private set; } = "";
    public string SealedSpec { get; private set; } = "";

    /// <summary>The image of the working spec, kept apart for lists and search.</summary>
    public string Image { get; private set; } = "";
    public int LatestRevision { get; private set; }
    public bool IsDeleting { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    private Application() { }

    /// <summary>
    /// Validates the name, the details and the spec together, so that a form shows every problem at once.
    /// </summary>
    public static Result<Application> Create(
        Tenant tenant,
        string? name,
        string? description,
        string? owner,
        DeploymentSpec spec,
        Func<DeploymentSpec, string> seal,
        DateTime now
    )
    {
        var problems = Validate(name, description, owner, spec);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new Application
        {
            Id = Guid.NewGuid(),
            TenantId = tenant.Id,
            Name = name!.Trim(),
            Description = description?.Trim() ?? "",
            Owner = owner!.Trim(),
            SealedSpec = seal(spec),
            Image = spec.Image,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// Every problem of an application's name, details and spec at once, each on its field: "Name", "Owner",
    /// "Spec.Ports[0].Port". Empty when <see cref="Create"/> would take them.
    /// </summary>
    public static IReadOnlyList<Problem> Validate(string? name, string? description, string? owner, DeploymentSpec spec)
    {
        var problems = new List<Problem>();
        var validName = ApplicationName.Create(name);
        if (!validName.Succeeded)
            problems.Add(validName.Problem!);
        problems.AddRange(ValidateDetails(description, owner));
        problems.AddRange(spec.Validate().Select(p => p with { Field = $"Spec.{p.Field}" }));
        return problems;
    }

    public Result Change(
        string? description,
        string? owner,
        DeploymentSpec spec,
        Func<DeploymentSpec, string> seal,
        DateTime now
    )
    {
        var problems = ValidateDetails(description, owner)
            .Concat(spec.Validate().Select(p => p with { Field = $"Spec.{p.Field}" }))
            .ToList();
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        if (IsDeleting)
            return Problem.Conflict($"Application '{Name}' is being deleted.");
        Description = description?.Trim() ?? "";
        Owner = owner!.Trim();
        SealedSpec = seal(spec);
        Image = spec.Image;
        UpdatedAt = now;
        return Result.Ok();
    }

    /// <summary>Freezes a spec into the next revision, made for one environment.</summary>
    public Result<Revision> NewRevision(
        DeploymentSpec spec,
        Func<DeploymentSpec, string> seal,
        string environment,
        string createdBy,
        string? note,
        string origin,
        DateTime now,
        RevisionSource? source = null
    )
    {
        if (IsDeleting)
            return Problem.Conflict($"Application '{Name}' is being deleted.");
        var problems = spec.Validate();
        if (problems.Count > 0)
            return Problem.Invalid(problems.Select(p => p with { Field = $"Spec.{p.Field}" }).ToList());
        if (note is { Length: > Revision.NoteMaxLength })
            return Problem.Invalid("Note", $"A note has at most {Revision.NoteMaxLength} characters.");
        LatestRevision++;
        UpdatedAt = now;
        return new Revision(
            this,
            LatestRevision,
            seal(spec),
            spec.Image,
            environment,
            createdBy,
            note?.Trim(),
            origin,
            now,
            source
        );
    }

    public void MarkDeleting() => IsDeleting = true;

    private static IEnumerable<Problem> ValidateDetails(string? description, string? owner)
    {
        if (description is { Length: > DescriptionMaxLength })
            yield return Problem.Invalid(
                "Description",
                $"A description has at most {DescriptionMaxLength} characters."
            );
        if (string.IsNullOrWhiteSpace(owner))
            yield return Problem.Invalid("Owner", "Name the application's owner: a person or team to ask about it.");
        else if (owner.Trim().Length > OwnerMaxLength)
            yield return Problem.Invalid("Owner", $"An owner has at most {OwnerMaxLength} characters.");
    }
}

/// <summary>
/// Where a revision's image came from when the portal built it: the build, the repository and the commit, so that the
/// revisions list and diff say which commit runs where.
/// </summary>
public sealed record RevisionSource(int Build, string Repository, string Commit, string Subject, string Author)
{
    public string ShortCommit => Commit.Length > 12 ? Commit[..12] : Commit;
}

/// <summary>
/// An immutable snapshot of an application's spec, numbered per application, made by one deploy for one
/// environment: who, when, why (the note) and how (a plain deploy, a rollback, a promotion, a scaling change).
/// </summary>
public sealed class Revision : ITenantOwned
{
    public const int NoteMaxLength = 500;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public int Number { get; private set; }
    public string SealedSpec { get; private set; } = "";
    public string Image { get; private set; } = "";
    public string Environment { get; private set; } = "";
    public string CreatedBy { get; private set; } = "";
    public string? Note { get; private set; }

    /// <summary>
    /// How the revision came about, in words: "deploy", "rollback to revision 3", "promotion of revision 5 from dev".
    /// </summary>
    public string Origin { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    /// <summary>The build and commit the image was made from; null for an image brought ready-made.</summary>
    public RevisionSource? Source { get; private set; }

    private Revision() { }

    internal Revision(
        Application application,
        int number,
        string sealedSpec,
        string image,
        string environment,
        string createdBy,
        string? note,
        string origin,
        DateTime now,
        RevisionSource? source
    )
    {
        Id = Guid.NewGuid();
        TenantId = application.TenantId;
        ApplicationId = application.Id;
        Number = number;
        SealedSpec = sealedSpec;
        Image = image;
        Environment = environment;
        CreatedBy = createdBy;
        Note = string.IsNullOrWhiteSpace(note) ? null : note;
        Origin = origin;
        CreatedAt = now;
        Source = source;
    }
}
