using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Monitoring : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PrometheusUrl",
                table: "ResourcePools",
                type: "TEXT",
                maxLength: 500,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "AlertRules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AppName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Metric = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Aggregation = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Comparator = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Threshold = table.Column<double>(type: "REAL", nullable: false),
                    DurationMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    Severity = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    BuiltIn = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    ChannelIds = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlertRules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AlertRules_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MetricSubjects",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Namespace = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    EnvironmentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    LastSampledAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricSubjects", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MetricSubjects_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_MetricSubjects_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "NotificationChannels",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    SealedSecret = table.Column<string>(type: "TEXT", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NotificationChannels", x => x.Id);
                    table.ForeignKey(
                        name: "FK_NotificationChannels_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Alerts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RuleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RuleName = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RuleScope = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SubjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    SubjectKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 330, nullable: false),
                    AppName = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Severity = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Condition = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ResolvedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastEvaluatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Flaps = table.Column<int>(type: "INTEGER", nullable: false),
                    NotifiedState = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    NotifiedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SilencedUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SilencedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    SilenceReason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Alerts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Alerts_AlertRules_RuleId",
                        column: x => x.RuleId,
                        principalTable: "AlertRules",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Alerts_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MetricRollups",
                columns: table => new
                {
                    SubjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    SampleCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Cpu = table.Column<double>(type: "REAL", nullable: true),
                    Memory = table.Column<double>(type: "REAL", nullable: true),
                    CpuRequested = table.Column<double>(type: "REAL", nullable: true),
                    MemoryRequested = table.Column<double>(type: "REAL", nullable: true),
                    CpuPercent = table.Column<double>(type: "REAL", nullable: true),
                    MemoryPercent = table.Column<double>(type: "REAL", nullable: true),
                    Restarts = table.Column<int>(type: "INTEGER", nullable: true),
                    Ready = table.Column<int>(type: "INTEGER", nullable: true),
                    Desired = table.Column<int>(type: "INTEGER", nullable: true),
                    Pending = table.Column<int>(type: "INTEGER", nullable: true),
                    Failing = table.Column<int>(type: "INTEGER", nullable: true),
                    QuotaPercent = table.Column<double>(type: "REAL", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricRollups", x => new { x.SubjectId, x.At });
                    table.ForeignKey(
                        name: "FK_MetricRollups_MetricSubjects_SubjectId",
                        column: x => x.SubjectId,
                        principalTable: "MetricSubjects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MetricSamples",
                columns: table => new
                {
                    SubjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Cpu = table.Column<double>(type: "REAL", nullable: true),
                    Memory = table.Column<double>(type: "REAL", nullable: true),
                    CpuRequested = table.Column<double>(type: "REAL", nullable: true),
                    MemoryRequested = table.Column<double>(type: "REAL", nullable: true),
                    CpuPercent = table.Column<double>(type: "REAL", nullable: true),
                    MemoryPercent = table.Column<double>(type: "REAL", nullable: true),
                    Restarts = table.Column<int>(type: "INTEGER", nullable: true),
                    Ready = table.Column<int>(type: "INTEGER", nullable: true),
                    Desired = table.Column<int>(type: "INTEGER", nullable: true),
                    Pending = table.Column<int>(type: "INTEGER", nullable: true),
                    Failing = table.Column<int>(type: "INTEGER", nullable: true),
                    QuotaPercent = table.Column<double>(type: "REAL", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricSamples", x => new { x.SubjectId, x.At });
                    table.ForeignKey(
                        name: "FK_MetricSamples_MetricSubjects_SubjectId",
                        column: x => x.SubjectId,
                        principalTable: "MetricSubjects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AlertDeliveries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    AlertId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChannelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChannelName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ChannelKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Delivered = table.Column<bool>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlertDeliveries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AlertDeliveries_Alerts_AlertId",
                        column: x => x.AlertId,
                        principalTable: "Alerts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WorkloadPods_Reason",
                table: "WorkloadPods",
                column: "Reason",
                filter: "\"Reason\" IS NOT NULL OR (\"Phase\" <> 'Running' AND \"Phase\" <> 'Succeeded')");

            migrationBuilder.CreateIndex(
                name: "IX_Revisions_TenantId_CreatedAt",
                table: "Revisions",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertDeliveries_AlertId_At",
                table: "AlertDeliveries",
                columns: new[] { "AlertId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertRules_BuiltIn",
                table: "AlertRules",
                column: "BuiltIn",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AlertRules_TenantId_Name",
                table: "AlertRules",
                columns: new[] { "TenantId", "Name" });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_RuleId_SubjectId",
                table: "Alerts",
                columns: new[] { "RuleId", "SubjectId" },
                unique: true,
                filter: "\"State\" = 'Firing'");

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_RuleId_SubjectId_ResolvedAt",
                table: "Alerts",
                columns: new[] { "RuleId", "SubjectId", "ResolvedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_State_StartedAt",
                table: "Alerts",
                columns: new[] { "State", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_TenantId_AppName_StartedAt",
                table: "Alerts",
                columns: new[] { "TenantId", "AppName", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_TenantId_State_StartedAt",
                table: "Alerts",
                columns: new[] { "TenantId", "State", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_MetricRollups_At",
                table: "MetricRollups",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_MetricSamples_At",
                table: "MetricSamples",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_MetricSubjects_ClusterId_Kind_Namespace_Name",
                table: "MetricSubjects",
                columns: new[] { "ClusterId", "Kind", "Namespace", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MetricSubjects_TenantId_Kind_Name",
                table: "MetricSubjects",
                columns: new[] { "TenantId", "Kind", "Name" });

            migrationBuilder.CreateIndex(
                name: "IX_NotificationChannels_TenantId_Name",
                table: "NotificationChannels",
                columns: new[] { "TenantId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AlertDeliveries");

            migrationBuilder.DropTable(
                name: "MetricRollups");

            migrationBuilder.DropTable(
                name: "MetricSamples");

            migrationBuilder.DropTable(
                name: "NotificationChannels");

            migrationBuilder.DropTable(
                name: "Alerts");

            migrationBuilder.DropTable(
                name: "MetricSubjects");

            migrationBuilder.DropTable(
                name: "AlertRules");

            migrationBuilder.DropIndex(
                name: "IX_WorkloadPods_Reason",
                table: "WorkloadPods");

            migrationBuilder.DropIndex(
                name: "IX_Revisions_TenantId_CreatedAt",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "PrometheusUrl",
                table: "ResourcePools");
        }
    }
}
