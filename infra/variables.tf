# Every name the pipeline uses is a variable here, with the default the code uses
# (tests/infra/test_infra.py holds the two together).

variable "project" {
  description = "GCP project id (SCROBBLE_INSIGHTS_BIGQUERY_PROJECT)."
  type        = string
}

variable "location" {
  description = "One location for the bucket and every dataset (SCROBBLE_INSIGHTS_BIGQUERY_LOCATION): BigQuery load jobs read only from a bucket in the same location."
  type        = string
  default     = "US"
}

variable "dataset_prefix" {
  description = "Put in front of every dataset name (SCROBBLE_INSIGHTS_BIGQUERY_DATASET_PREFIX), e.g. 'scrobbles_' for one project shared by several deployments."
  type        = string
  default     = ""
}

variable "datasets" {
  description = "The datasets the pipeline writes: raw (the loader's raw and reference tables), reference (dbt seeds), staging, intermediate and marts (dbt models), analytics (dbt's default dataset, from the generated profile)."
  type        = list(string)
  default     = ["raw", "reference", "staging", "intermediate", "marts", "analytics"]
}

variable "bucket" {
  description = "The bronze bucket: raw last.fm answers, one object per user and UTC day."
  type        = string
}

variable "bronze_noncurrent_days" {
  description = "Days an overwritten bronze object (a re-extracted day) is kept before it is deleted."
  type        = number
  default     = 30
}

variable "service_account_id" {
  description = "Account id of the pipeline's service account."
  type        = string
  default     = "scrobble-insights"
}
