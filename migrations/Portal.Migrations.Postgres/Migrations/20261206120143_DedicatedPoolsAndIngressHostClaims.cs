using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class DedicatedPoolsAndIngressHostClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Dedicated",
                table: "ResourcePools",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "IngressDomains",
                table: "ResourcePools",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<bool>(
                name: "WildcardHosts",
                table: "ResourcePools",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "IngressHostClaims",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Host = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    ClaimedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IngressHostClaims", x => x.Id);
                    table.ForeignKey(
                        name: "FK_IngressHostClaims_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "IngressRouteClaims",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    HostClaimId = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    ApplicationId = table.Column<Guid>(type: "uuid", nullable: false),
                    EnvironmentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Path = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ClaimedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IngressRouteClaims", x => x.Id);
                    table.ForeignKey(
                        name: "FK_IngressRouteClaims_Applications_ApplicationId",
                        column: x => x.ApplicationId,
                        principalTable: "Applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_IngressRouteClaims_Environments_EnvironmentId",
                        column: x => x.EnvironmentId,
                        principalTable: "Environments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_IngressRouteClaims_IngressHostClaims_HostClaimId",
                        column: x => x.HostClaimId,
                        principalTable: "IngressHostClaims",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_IngressHostClaims_Host",
                table: "IngressHostClaims",
                column: "Host",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_IngressHostClaims_TenantId",
                table: "IngressHostClaims",
                column: "TenantId");

            migrationBuilder.CreateIndex(
                name: "IX_IngressRouteClaims_ApplicationId_EnvironmentId",
                table: "IngressRouteClaims",
                columns: new[] { "ApplicationId", "EnvironmentId" });

            migrationBuilder.CreateIndex(
                name: "IX_IngressRouteClaims_EnvironmentId",
                table: "IngressRouteClaims",
                column: "EnvironmentId");

            migrationBuilder.CreateIndex(
                name: "IX_IngressRouteClaims_HostClaimId_Path_EnvironmentId",
                table: "IngressRouteClaims",
                columns: new[] { "HostClaimId", "Path", "EnvironmentId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IngressRouteClaims");

            migrationBuilder.DropTable(
                name: "IngressHostClaims");

            migrationBuilder.DropColumn(
                name: "Dedicated",
                table: "ResourcePools");

            migrationBuilder.DropColumn(
                name: "IngressDomains",
                table: "ResourcePools");

            migrationBuilder.DropColumn(
                name: "WildcardHosts",
                table: "ResourcePools");
        }
    }
}
