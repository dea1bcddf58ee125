using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Applications;
using Portal.Domain.Builds;

namespace Portal.Infrastructure.Builds;

internal sealed class BuildConfiguration : IEntityTypeConfiguration<Build>
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Build> build)
    {
        build.ToTable("Builds");
        build.Property(b => b.Ref).HasMaxLength(255).IsRequired();
        build.Property(b => b.Recipe).HasMaxLength(64);
        build.Property(b => b.Port);
        build.Property(b => b.State).HasConversion<string>().HasMaxLength(20);
        build.Property(b => b.Failure).HasConversion<string>().HasMaxLength(20);
        build.Property(b => b.Reason).HasMaxLength(Build.ReasonMaxLength);
        build.Property(b => b.RequestedBy).HasMaxLength(256).IsRequired();
        build
            .Property(b => b.RequestedRecipe)
            .HasConversion(
                choice => choice == null ? null : JsonSerializer.Serialize(choice, JsonOptions),
                json => json == null ? null : JsonSerializer.Deserialize<RecipeChoice>(json, JsonOptions)
            )
            .HasMaxLength(16_000);
        build.OwnsOne(
            b => b.Commit,
            commit =>
            {
                commit.Property(c => c.Sha).HasColumnName("CommitSha").HasMaxLength(64).IsRequired();
                commit
                    .Property(c => c.Subject)
                    .HasColumnName("CommitSubject")
                    .HasMaxLength(SourceCommit.SubjectMaxLength)
                    .IsRequired();
                commit
                    .Property(c => c.Author)
                    .HasColumnName("CommitAuthor")
                    .HasMaxLength(SourceCommit.AuthorMaxLength)
                    .IsRequired();
                commit.Property(c => c.CommittedAt).HasColumnName("CommittedAt");
            }
        );
        build.OwnsOne(
            b => b.Image,
            image =>
            {
                image.Property(i => i.Repository).HasColumnName("ImageRepository").HasMaxLength(500).IsRequired();
                image.Property(i => i.Tag).HasColumnName("ImageTag").HasMaxLength(128).IsRequired();
                image.Property(i => i.Digest).HasColumnName("ImageDigest").HasMaxLength(100).IsRequired();
                image.Property(i => i.SizeBytes).HasColumnName("ImageSizeBytes");
            }
        );
        build.OwnsOne(
            b => b.Archive,
            archive =>
            {
                archive
                    .Property(a => a.FileName)
                    .HasColumnName("ArchiveFileName")
                    .HasMaxLength(BuildArchive.FileNameMaxLength)
                    .IsRequired();
                archive.Property(a => a.SizeBytes).HasColumnName("ArchiveSizeBytes");
                archive.Property(a => a.Sha256).HasColumnName("ArchiveSha256").HasMaxLength(64).IsRequired();
                archive.Ignore(a => a.ImageTag);
            }
        );
        build.HasOne<Application>().WithMany().HasForeignKey(b => b.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        // An application's builds, newest first, and the next number.
        build.HasIndex(b => new { b.ApplicationId, b.Number }).IsUnique();
        // The tenant's builds, newest first, filtered by state.
        build.HasIndex(b => new { b.TenantId, b.CreatedAt });
        build.HasIndex(b => new
        {
            b.TenantId,
            b.State,
            b.CreatedAt,
        });
    }
}

internal sealed class AppSourceConfiguration : IEntityTypeConfiguration<AppSource>
{
    /// <summary>The model's name of the sealed credential, which the entity keeps in a field no reader sees.</summary>
    public const string SealedCredential = "_sealedCredential";

    public void Configure(EntityTypeBuilder<AppSource> source)
    {
        source.ToTable("AppSources");
        source.Property(s => s.RepositoryUrl).HasMaxLength(GitRepositoryUrl.MaxLength).IsRequired();
        source.Property(s => s.Ref).HasMaxLength(GitRefName.MaxLength).IsRequired();
        source.Property(s => s.SubDirectory).HasMaxLength(SourceSubDirectory.MaxLength).IsRequired();
        source.Property(s => s.CredentialKind).HasConversion<string>().HasMaxLength(20);
        source.Property<string>(SealedCredential).HasColumnName("SealedCredential").IsRequired();
        source.Property(s => s.KnownHosts).IsRequired();
        source.Property(s => s.CheckedCommit).HasMaxLength(AppSource.MaxCommitLength);
        source.Ignore(s => s.HasCredential);
        source.Ignore(s => s.Address);
        source.HasOne<Application>().WithMany().HasForeignKey(s => s.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        // One source per application, found by it.
        source.HasIndex(s => s.ApplicationId).IsUnique();
    }
}

internal sealed class ImageRetentionConfiguration : IEntityTypeConfiguration<ImageRetention>
{
    public void Configure(EntityTypeBuilder<ImageRetention> retention)
    {
        retention.ToTable("ImageRetentions");
        retention.Property(r => r.UpdatedBy).HasMaxLength(256).IsRequired();
        retention.HasOne<Application>().WithMany().HasForeignKey(r => r.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        // One rule per application, found by it.
        retention.HasIndex(r => r.ApplicationId).IsUnique();
    }
}

internal sealed class BuildLogChunkConfiguration : IEntityTypeConfiguration<BuildLogChunk>
{
    public void Configure(EntityTypeBuilder<BuildLogChunk> chunk)
    {
        chunk.ToTable("BuildLogChunks");
        chunk.Property(c => c.Text).IsRequired();
        chunk.HasOne<Build>().WithMany().HasForeignKey(c => c.BuildId).OnDelete(DeleteBehavior.Cascade);
        // A build's log in order, read from a sequence on.
        chunk.HasIndex(c => new { c.BuildId, c.Sequence }).IsUnique();
    }
}
