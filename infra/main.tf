# The cloud half of Scrobble Insights: the bronze bucket, the BigQuery datasets in one location, and
# a service account for the pipeline with least privilege (objects of this bucket, data of these
# datasets, and running query/load jobs in the project: nothing else).

resource "google_storage_bucket" "bronze" {
  name     = var.bucket
  location = var.location

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # A re-extracted day replaces its object; the old version is kept for a while, then deleted.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.bronze_noncurrent_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  #checkov:skip=CKV_GCP_62:Access logs need a second bucket to hold them; the pipeline is the only writer and reader, and Cloud Audit Logs record data access when enabled on the project.
}

resource "google_bigquery_dataset" "datasets" {
  for_each = toset(var.datasets)

  dataset_id  = "${var.dataset_prefix}${each.value}"
  location    = var.location
  description = "Scrobble Insights: ${each.value}"

  #checkov:skip=CKV_GCP_81:Google-managed encryption at rest; a customer-managed key (KMS) is an organisation's choice and would add a key ring this module cannot assume.
}

resource "google_service_account" "pipeline" {
  account_id   = var.service_account_id
  display_name = "Scrobble Insights pipeline"
}

# Objects of the bronze bucket only (not the bucket's settings, not other buckets).
resource "google_storage_bucket_iam_member" "pipeline_objects" {
  bucket = google_storage_bucket.bronze.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

# Tables and data of the pipeline's datasets only.
resource "google_bigquery_dataset_iam_member" "pipeline_data" {
  for_each = google_bigquery_dataset.datasets

  dataset_id = each.value.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}

# Running jobs (queries, loads from the bucket) is granted on the project: BigQuery has no narrower scope for it.
resource "google_project_iam_member" "pipeline_jobs" {
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.pipeline.email}"
}
