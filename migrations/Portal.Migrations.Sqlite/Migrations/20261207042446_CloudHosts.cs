using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class CloudHosts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "MaxHosts",
                table: "ResourcePools",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CloudAccounts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Regions = table.Column<string>(type: "TEXT", maxLength: 1400, nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Settings = table.Column<string>(type: "TEXT", nullable: false),
                    SealedSecrets = table.Column<string>(type: "TEXT", nullable: false),
                    SecretsSet = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    LentToPoolId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RemoveOrphans = table.Column<bool>(type: "INTEGER", nullable: false),
                    CheckedAs = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CheckedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    OrphanReport = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    OrphansScannedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CloudAccounts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CloudAccounts_ResourcePools_LentToPoolId",
                        column: x => x.LentToPoolId,
                        principalTable: "ResourcePools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "CloudHosts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TemplateId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    AccountName = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    TemplateName = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Zone = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    InstanceType = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Cpus = table.Column<int>(type: "INTEGER", nullable: false),
                    MemoryMiB = table.Column<int>(type: "INTEGER", nullable: false),
                    Image = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    SystemDiskGiB = table.Column<int>(type: "INTEGER", nullable: false),
                    InstanceId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    PrivateAddress = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    PublicAddress = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    InstanceCreatedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    BootstrapTokenId = table.Column<string>(type: "TEXT", maxLength: 6, nullable: true),
                    SealedBootstrapToken = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    OperationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RequestedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReadyAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecommissionedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CloudHosts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CloudHosts_CloudAccounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "CloudAccounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_CloudHosts_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_CloudHosts_ResourcePools_PoolId",
                        column: x => x.PoolId,
                        principalTable: "ResourcePools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "HostTemplates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Zone = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    InstanceType = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Cpus = table.Column<int>(type: "INTEGER", nullable: false),
                    MemoryMiB = table.Column<int>(type: "INTEGER", nullable: false),
                    Image = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ImageName = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    SystemDiskGiB = table.Column<int>(type: "INTEGER", nullable: false),
                    Network = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Subnet = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    SecurityGroup = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    KeyPair = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Labels = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Taints = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HostTemplates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_HostTemplates_CloudAccounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "CloudAccounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_HostTemplates_ResourcePools_PoolId",
                        column: x => x.PoolId,
                        principalTable: "ResourcePools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "PinnedHostKeys",
                columns: table => new
                {
                    AccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Fingerprint = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    PinnedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PinnedHostKeys", x => new { x.AccountId, x.Address });
                    table.ForeignKey(
                        name: "FK_PinnedHostKeys_CloudAccounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "CloudAccounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CloudAccounts_LentToPoolId",
                table: "CloudAccounts",
                column: "LentToPoolId");

            migrationBuilder.CreateIndex(
                name: "IX_CloudAccounts_Name",
                table: "CloudAccounts",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CloudHosts_AccountId_State",
                table: "CloudHosts",
                columns: new[] { "AccountId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_CloudHosts_ClusterId_Name",
                table: "CloudHosts",
                columns: new[] { "ClusterId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CloudHosts_PoolId_State",
                table: "CloudHosts",
                columns: new[] { "PoolId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_CloudHosts_RequestedAt",
                table: "CloudHosts",
                column: "RequestedAt");

            migrationBuilder.CreateIndex(
                name: "IX_HostTemplates_AccountId",
                table: "HostTemplates",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_HostTemplates_PoolId_Name",
                table: "HostTemplates",
                columns: new[] { "PoolId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CloudHosts");

            migrationBuilder.DropTable(
                name: "HostTemplates");

            migrationBuilder.DropTable(
                name: "PinnedHostKeys");

            migrationBuilder.DropTable(
                name: "CloudAccounts");

            migrationBuilder.DropColumn(
                name: "MaxHosts",
                table: "ResourcePools");
        }
    }
}
