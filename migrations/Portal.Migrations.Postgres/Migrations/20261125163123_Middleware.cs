using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Middleware : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "MiddlewareTemplates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Category = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Icon = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    Description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Hidden = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Definition = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MiddlewareTemplates", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MiddlewareInstances",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    EnvironmentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    TemplateId = table.Column<Guid>(type: "uuid", nullable: false),
                    TemplateName = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    Version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Plan = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Replicas = table.Column<int>(type: "integer", nullable: false),
                    Parameters = table.Column<string>(type: "text", nullable: false),
                    SealedCredentials = table.Column<string>(type: "text", nullable: false),
                    StorageBytesPerReplica = table.Column<long>(type: "bigint", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Endpoint = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    KeepVolumes = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    PerReplica_CpuLimitMillis = table.Column<long>(type: "bigint", nullable: false),
                    PerReplica_CpuRequestMillis = table.Column<long>(type: "bigint", nullable: false),
                    PerReplica_MemoryLimitBytes = table.Column<long>(type: "bigint", nullable: false),
                    PerReplica_MemoryRequestBytes = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MiddlewareInstances", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MiddlewareInstances_Environments_EnvironmentId",
                        column: x => x.EnvironmentId,
                        principalTable: "Environments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_MiddlewareInstances_MiddlewareTemplates_TemplateId",
                        column: x => x.TemplateId,
                        principalTable: "MiddlewareTemplates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_MiddlewareInstances_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MiddlewareBindings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    InstanceId = table.Column<Guid>(type: "uuid", nullable: false),
                    ApplicationId = table.Column<Guid>(type: "uuid", nullable: false),
                    EnvironmentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Variables = table.Column<string>(type: "text", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MiddlewareBindings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MiddlewareBindings_Applications_ApplicationId",
                        column: x => x.ApplicationId,
                        principalTable: "Applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_MiddlewareBindings_MiddlewareInstances_InstanceId",
                        column: x => x.InstanceId,
                        principalTable: "MiddlewareInstances",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareBindings_ApplicationId",
                table: "MiddlewareBindings",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareBindings_InstanceId_ApplicationId",
                table: "MiddlewareBindings",
                columns: new[] { "InstanceId", "ApplicationId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareInstances_EnvironmentId_Name",
                table: "MiddlewareInstances",
                columns: new[] { "EnvironmentId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareInstances_TemplateId",
                table: "MiddlewareInstances",
                column: "TemplateId");

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareInstances_TenantId_Name",
                table: "MiddlewareInstances",
                columns: new[] { "TenantId", "Name" });

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareInstances_TenantId_TemplateName_State",
                table: "MiddlewareInstances",
                columns: new[] { "TenantId", "TemplateName", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareTemplates_Hidden_Category_Name",
                table: "MiddlewareTemplates",
                columns: new[] { "Hidden", "Category", "Name" });

            migrationBuilder.CreateIndex(
                name: "IX_MiddlewareTemplates_Name",
                table: "MiddlewareTemplates",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MiddlewareBindings");

            migrationBuilder.DropTable(
                name: "MiddlewareInstances");

            migrationBuilder.DropTable(
                name: "MiddlewareTemplates");
        }
    }
}
