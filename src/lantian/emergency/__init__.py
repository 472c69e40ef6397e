"""Heavy-pollution emergency response (重污染天气应急): warnings, reduction lists, verification."""
